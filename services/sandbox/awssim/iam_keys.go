package awssim

import (
	"net/url"
	"sort"
)

// IAM access keys.

func (s *Server) createAccessKey(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	n := 0
	for _, k := range s.db.Keys {
		if lower(k.User) == lower(u.Name) {
			n++
		}
	}
	if n >= 2 {
		return nil, errf(409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	}
	k := &accessKey{ID: "AKIA" + randUpper(16), Secret: s.opts.NewSecretKey(), User: u.Name, Status: "Active", Created: s.opts.Now()}
	s.db.Keys[k.ID] = k
	return struct{ AccessKey xmlKey }{xmlKey{xmlKeyMeta{u.Name, k.ID, k.Status, ts(k.Created)}, k.Secret}}, nil
}

func (s *Server) listAccessKeys(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	res := struct {
		AccessKeyMetadata []xmlKeyMeta `xml:"AccessKeyMetadata>member"`
		IsTruncated       bool
	}{}
	for _, k := range s.sortedKeys() {
		if lower(k.User) == lower(u.Name) {
			res.AccessKeyMetadata = append(res.AccessKeyMetadata, xmlKeyMeta{u.Name, k.ID, k.Status, ts(k.Created)})
		}
	}
	return res, nil
}

// keyOf finds a key by id, and only among the named user's keys when a user is named.
func (s *Server) keyOf(q url.Values) (*accessKey, *apiError) {
	k := s.db.Keys[q.Get("AccessKeyId")]
	if k == nil || (q.Get("UserName") != "" && lower(k.User) != lower(q.Get("UserName"))) {
		return nil, errf(404, "NoSuchEntity", "The Access Key with id %s cannot be found.", q.Get("AccessKeyId"))
	}
	return k, nil
}

func (s *Server) deleteAccessKey(_ caller, q url.Values) (any, *apiError) {
	k, e := s.keyOf(q)
	if e != nil {
		return nil, e
	}
	delete(s.db.Keys, k.ID)
	return nil, nil
}

// updateAccessKey switches a key between Active and Inactive; an inactive key fails
// authentication (see authenticate).
func (s *Server) updateAccessKey(_ caller, q url.Values) (any, *apiError) {
	k, e := s.keyOf(q)
	if e != nil {
		return nil, e
	}
	status := q.Get("Status")
	if status != "Active" && status != "Inactive" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	k.Status = status
	return nil, nil
}

func (s *Server) sortedKeys() []*accessKey {
	out := make([]*accessKey, 0, len(s.db.Keys))
	for _, k := range s.db.Keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created.Before(out[j].Created) || (out[i].Created.Equal(out[j].Created) && out[i].ID < out[j].ID)
	})
	return out
}

// getAccessKeyLastUsed answers as AWS does: "N/A" service and region for a key never used.
func (s *Server) getAccessKeyLastUsed(_ caller, q url.Values) (any, *apiError) {
	k, e := s.keyOf(url.Values{"AccessKeyId": {q.Get("AccessKeyId")}})
	if e != nil {
		return nil, e
	}
	type lastUsed struct {
		LastUsedDate string `xml:"LastUsedDate,omitempty"`
		ServiceName  string `xml:"ServiceName"`
		Region       string `xml:"Region"`
	}
	res := struct {
		UserName          string
		AccessKeyLastUsed lastUsed
	}{UserName: k.User, AccessKeyLastUsed: lastUsed{ServiceName: "N/A", Region: "N/A"}}
	if !k.LastUsed.IsZero() {
		res.AccessKeyLastUsed = lastUsed{ts(k.LastUsed), k.LastService, k.LastRegion}
	}
	return res, nil
}
