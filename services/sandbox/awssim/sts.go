package awssim

import (
	"net/url"
	"strconv"
	"time"
)

// STS: who is calling, and temporary credentials.

// getCallerIdentity answers for any authenticated caller: the operator acts as the account
// root, an IAM user's key as that user.
func (s *Server) getCallerIdentity(c caller, _ url.Values) (any, *apiError) {
	res := struct {
		Arn, UserId, Account string
	}{"arn:aws:iam::" + s.opts.Account + ":root", s.opts.Account, s.opts.Account}
	if c.user != nil {
		res.Arn, res.UserId = s.userARN(c.user.Name), c.user.ID
	}
	return res, nil
}

// getSessionToken issues temporary credentials for the caller; with SerialNumber and
// TokenCode they count as MFA-authenticated.
func (s *Server) getSessionToken(c caller, q url.Values) (any, *apiError) {
	sess := &session{KeyID: "ASIA" + randUpper(16), Secret: randToken(40), Token: randToken(64),
		MFA: q.Get("SerialNumber") != "" && q.Get("TokenCode") != "", Expires: s.opts.Now().Add(time.Hour)}
	if secs, err := strconv.Atoi(q.Get("DurationSeconds")); err == nil {
		sess.Expires = s.opts.Now().Add(time.Duration(secs) * time.Second)
	}
	if c.user != nil {
		sess.User = c.user.Name
	}
	s.sessions[sess.KeyID] = sess
	type credentials struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
	return struct{ Credentials credentials }{credentials{sess.KeyID, sess.Secret, sess.Token, ts(sess.Expires)}}, nil
}
