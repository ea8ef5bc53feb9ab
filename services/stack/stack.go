// Package stack builds the concrete services for one run of the wizard: practice mode (the
// built-in simulators on loopback) or live mode (the admin's AWS configuration and Secret
// Server). cmd/ and the end-to-end tests use it, so both wire things the same way.
package stack

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/vaultlink/vaultlink/services/audit"
	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

// Options choose the mode and its settings.
type Options struct {
	Practice bool
	// Live AWS: profile and region from the admin's configuration.
	AWSProfile string
	Region     string
	// SecretServer is the live Secret Server and how to sign in (Remember keeps the password
	// in the system keyring; with no password given, a kept one is used).
	SecretServer wizard.SSConnection

	Audit *audit.Log
	// Keyring, when set, is used instead of opening the system keyring (tests).
	Keyring wizard.Keyring
	// PracticeData, in practice mode, is where the simulators' data is kept between runs
	// (encrypted; the key is in the system keyring). Empty: nothing is kept.
	PracticeData string
	// Attach, in practice mode, uses an already running sandbox instead of starting one.
	Attach *sandbox.Endpoints
	// PracticeAWS tunes the practice AWS (tests plant values or delays with it).
	PracticeAWS awssim.Options
	// PracticeSS tunes the practice Secret Server (a server without the external-vault API,
	// say).
	PracticeSS sssim.Options
	KeyWait    time.Duration
	// KeyringTimeout bounds each keyring call (0: keyring.DefaultTimeout).
	KeyringTimeout time.Duration
	// RequestTimeout bounds each AWS and Secret Server request (0: the clients' defaults).
	RequestTimeout time.Duration
}

// Stack is the wired services plus what the UI should tell the admin about them.
type Stack struct {
	Services wizard.Services
	Practice bool
	Sandbox  *sandbox.Sandbox // the sandbox this stack started, if any
	// Endpoints is where practice mode's simulators listen.
	Endpoints sandbox.Endpoints
	AWS       *vaws.Client
	SS        *secretserver.Client
	// KeyringNotice explains a fall-back to the in-memory store ("" when the system keyring works).
	KeyringNotice string
	// PracticeRestored says the practice servers came back with the data of an earlier run;
	// PracticeNotice says why not, when there was data that could not be used.
	PracticeRestored bool
	PracticeNotice   string

	practiceData string
	practiceKey  []byte
}

// practiceKeyRef is the keyring entry holding the key of the practice data file.
const practiceKeyRef = "practice-data-key"

// restorePractice loads the practice servers' saved data, creating the key on first use.
func (s *Stack) restorePractice(path string, kr wizard.Keyring, memoryOnly bool) {
	if memoryOnly {
		return // without a keyring there is nowhere safe for the key, so nothing is kept
	}
	if k, err := kr.Load(practiceKeyRef); err == nil {
		s.practiceKey, _ = base64.StdEncoding.DecodeString(k.Reveal())
	}
	if len(s.practiceKey) != 32 {
		s.practiceKey = sandbox.NewKey()
		if err := kr.Store(practiceKeyRef, wizard.NewSecret(base64.StdEncoding.EncodeToString(s.practiceKey))); err != nil {
			s.PracticeNotice = "practice progress cannot be kept between runs: " + err.Error()
			return
		}
	}
	s.practiceData = path
	switch err := s.Sandbox.Load(path, s.practiceKey); {
	case err == nil:
		s.PracticeRestored = true
	case errors.Is(err, sandbox.ErrNoSnapshot):
	default:
		s.PracticeNotice = "practice servers started empty: " + err.Error()
	}
}

// SavePractice writes the practice servers' data (encrypted) so the next run resumes; it does
// nothing outside practice mode or without a system keyring.
func (s *Stack) SavePractice() error {
	if s.Sandbox == nil || s.practiceData == "" {
		return nil
	}
	return s.Sandbox.Save(s.practiceData, s.practiceKey)
}

// Build starts (practice) or connects (live) and returns the services.
func Build(ctx context.Context, o Options) (*Stack, error) {
	st := &Stack{Practice: o.Practice}
	if o.Audit == nil {
		o.Audit = audit.Discard()
	}
	kr := o.Keyring
	memoryOnly := false
	if kr == nil {
		sys, err := keyring.Open(o.Practice)
		if err != nil {
			if !o.Practice {
				return nil, fmt.Errorf("live mode needs the system keyring to hold the new secret access key: %w", err)
			}
			st.KeyringNotice = "No system keyring is reachable, so practice secrets are kept in memory only: " + err.Error()
			kr = keyring.NewMemory()
			memoryOnly = true
		} else {
			kr = sys
		}
	}
	// Every keyring call gets a time limit, and writes are recorded in the audit log.
	kr = keyring.Guard(kr, o.Audit, o.KeyringTimeout)
	awsConf := vaws.Config{Profile: o.AWSProfile, Region: o.Region, Audit: o.Audit, KeyWait: o.KeyWait}
	ssConf := o.SecretServer
	if err := ssConf.LoadCACert(); err != nil {
		return nil, err
	}
	if !o.Practice && ssConf.Username != "" && !memoryOnly {
		if err := rememberPassword(&ssConf, kr); err != nil {
			return nil, err
		}
	}
	if o.Practice {
		ep := o.Attach
		if ep == nil {
			sb, err := sandbox.Start(o.PracticeAWS, o.PracticeSS)
			if err != nil {
				return nil, err
			}
			st.Sandbox = sb
			if o.PracticeData != "" {
				st.restorePractice(o.PracticeData, kr, memoryOnly)
			}
			e := sb.Endpoints()
			ep = &e
		}
		st.Endpoints = *ep
		awsConf = vaws.Config{Region: sandbox.Region, Endpoint: ep.AWS, StaticKeyID: awssim.PracticeAdminKeyID, StaticSecret: wizard.NewSecret(awssim.PracticeAdminSecret), Audit: o.Audit, KeyWait: o.KeyWait}
		ssConf = wizard.SSConnection{URL: ep.SecretServer, Username: sssim.PracticeUser, Password: wizard.NewSecret(sssim.PracticePassword)}
	}
	awsConf.RequestTimeout, ssConf.Timeout = o.RequestTimeout, o.RequestTimeout
	a, err := vaws.New(ctx, awsConf)
	if err != nil {
		st.Close()
		return nil, err
	}
	ss, err := secretserver.New(ssConf, o.Audit)
	if err != nil {
		st.Close()
		return nil, err
	}
	st.AWS, st.SS = a, ss
	st.Services = wizard.Services{IAM: a, SecretsManager: a, SecretServer: ss, Keyring: kr, Calls: o.Audit, Now: time.Now}
	if !o.Practice {
		st.Services.Connector = liveConnector{base: awsConf, audit: o.Audit, keyring: kr}
	}
	return st, nil
}

// passwordRef names the keyring entry of a remembered Secret Server password.
func passwordRef(c wizard.SSConnection) (string, error) {
	base, err := secretserver.BaseURL(c)
	if err != nil {
		return "", err
	}
	user := c.Username
	if c.Domain != "" {
		user = c.Domain + `\` + user
	}
	return "secret-server/" + base + "/" + user, nil
}

// rememberPassword keeps the given password in the keyring when asked to, or fills in a kept
// one when none was given. Nothing is kept unless the admin asked.
func rememberPassword(c *wizard.SSConnection, kr wizard.Keyring) error {
	ref, err := passwordRef(*c)
	if err != nil {
		return err
	}
	switch {
	case !c.Password.Empty() && c.Remember:
		if err := kr.Store(ref, c.Password); err != nil {
			return fmt.Errorf("keep the Secret Server password: %w", err)
		}
	case c.Password.Empty() && c.Token.Empty():
		if kept, err := kr.Load(ref); err == nil {
			c.Password = kept
		}
	}
	return nil
}

// liveConnector rebuilds the AWS client for another profile or region, or the Secret Server
// client for another server or sign-in.
type liveConnector struct {
	base    vaws.Config
	audit   *audit.Log
	keyring wizard.Keyring
}

func (l liveConnector) ConnectSecretServer(ctx context.Context, c wizard.SSConnection) (wizard.SecretServer, error) {
	if err := c.LoadCACert(); err != nil {
		return nil, err
	}
	if c.Username != "" {
		if err := rememberPassword(&c, l.keyring); err != nil {
			return nil, err
		}
	}
	return secretserver.New(c, l.audit)
}

func (l liveConnector) ConnectAWS(ctx context.Context, c wizard.Connection) (wizard.IAM, wizard.SecretsManager, error) {
	conf := l.base
	conf.Profile, conf.Region = c.Profile, c.Region
	a, err := vaws.New(ctx, conf)
	if err != nil {
		return nil, nil, err
	}
	return a, a, nil
}

// Close stops the practice simulators.
func (s *Stack) Close() {
	if s.Sandbox != nil {
		s.Sandbox.Close()
	}
}
