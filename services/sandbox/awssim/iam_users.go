package awssim

import (
	"net/url"
	"slices"
	"sort"
)

// IAM users and their tags.

func (s *Server) xUser(u *user, withTags bool) xmlUser {
	x := xmlUser{Path: "/", UserName: u.Name, UserId: u.ID, Arn: s.userARN(u.Name), CreateDate: ts(u.Created)}
	if withTags {
		x.Tags = xmlTags(u.Tags)
	}
	return x
}

func (s *Server) createUser(_ caller, q url.Values) (any, *apiError) {
	name := q.Get("UserName")
	if e := validName("userName", name, 64); e != nil {
		return nil, e
	}
	if s.db.Users[lower(name)] != nil {
		return nil, errf(409, "EntityAlreadyExists", "User with name %s already exists.", name)
	}
	u := &user{Name: name, ID: "AIDA" + randUpper(17), Created: s.opts.Now(), Tags: queryTags(q), Inline: map[string]string{}}
	s.db.Users[lower(name)] = u
	return struct{ User xmlUser }{s.xUser(u, true)}, nil
}

func (s *Server) getUserAction(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	return struct{ User xmlUser }{s.xUser(u, true)}, nil
}

// deleteUser refuses while the user still has keys, groups or policies, as IAM does.
func (s *Server) deleteUser(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	for _, k := range s.db.Keys {
		if lower(k.User) == lower(u.Name) {
			return nil, errf(409, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
		}
	}
	if len(u.Groups) > 0 {
		return nil, errf(409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
	}
	if len(u.Attached) > 0 || len(u.Inline) > 0 {
		return nil, errf(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	delete(s.db.Users, lower(u.Name))
	return nil, nil
}

func (s *Server) listUsers(_ caller, q url.Values) (any, *apiError) {
	res := struct {
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool
	}{}
	for _, u := range s.sortedUsers() {
		res.Users = append(res.Users, s.xUser(u, false))
	}
	return res, nil
}

func (s *Server) tagUser(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	for _, t := range queryTags(q) {
		i := slices.IndexFunc(u.Tags, func(x tag) bool { return x.Key == t.Key })
		if i >= 0 {
			u.Tags[i] = t
		} else {
			u.Tags = append(u.Tags, t)
		}
	}
	if len(u.Tags) > 50 {
		return nil, errf(409, "LimitExceeded", "Cannot exceed quota for TagsPerUser: 50")
	}
	return nil, nil
}

func (s *Server) untagUser(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	keys := queryList(q, "TagKeys")
	u.Tags = slices.DeleteFunc(u.Tags, func(t tag) bool { return slices.Contains(keys, t.Key) })
	return nil, nil
}

func (s *Server) listUserTags(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	return tagList(u.Tags), nil
}

func (s *Server) sortedUsers() []*user {
	out := make([]*user, 0, len(s.db.Users))
	for _, u := range s.db.Users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
