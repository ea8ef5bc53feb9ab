package awssim

import (
	"net/url"
	"slices"
)

// IAM groups and their members.

func (s *Server) xGroup(g *group) xmlGroup {
	return xmlGroup{Path: "/", GroupName: g.Name, GroupId: g.ID, Arn: s.groupARN(g.Name), CreateDate: ts(g.Created)}
}

func inGroup(u *user, g *group) bool {
	return slices.ContainsFunc(u.Groups, func(n string) bool { return lower(n) == lower(g.Name) })
}

func (s *Server) createGroup(_ caller, q url.Values) (any, *apiError) {
	name := q.Get("GroupName")
	if e := validName("groupName", name, 128); e != nil {
		return nil, e
	}
	if s.db.Groups[lower(name)] != nil {
		return nil, errf(409, "EntityAlreadyExists", "Group with name %s already exists.", name)
	}
	g := &group{Name: name, ID: "AGPA" + randUpper(17), Created: s.opts.Now(), Inline: map[string]string{}}
	s.db.Groups[lower(name)] = g
	return struct{ Group xmlGroup }{s.xGroup(g)}, nil
}

func (s *Server) getGroupAction(_ caller, q url.Values) (any, *apiError) {
	g, e := s.findGroup(q.Get("GroupName"))
	if e != nil {
		return nil, e
	}
	res := struct {
		Group       xmlGroup
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool
	}{Group: s.xGroup(g)}
	for _, u := range s.sortedUsers() {
		if inGroup(u, g) {
			res.Users = append(res.Users, s.xUser(u, false))
		}
	}
	return res, nil
}

// deleteGroup refuses while the group has members or policies, as IAM does.
func (s *Server) deleteGroup(_ caller, q url.Values) (any, *apiError) {
	g, e := s.findGroup(q.Get("GroupName"))
	if e != nil {
		return nil, e
	}
	for _, u := range s.db.Users {
		if inGroup(u, g) {
			return nil, errf(409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
		}
	}
	if len(g.Attached) > 0 || len(g.Inline) > 0 {
		return nil, errf(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	delete(s.db.Groups, lower(g.Name))
	return nil, nil
}

// groupAndUser finds the group and the user a membership call names.
func (s *Server) groupAndUser(q url.Values) (*group, *user, *apiError) {
	g, e := s.findGroup(q.Get("GroupName"))
	if e != nil {
		return nil, nil, e
	}
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, nil, e
	}
	return g, u, nil
}

func (s *Server) addUserToGroup(_ caller, q url.Values) (any, *apiError) {
	g, u, e := s.groupAndUser(q)
	if e != nil {
		return nil, e
	}
	if !inGroup(u, g) {
		if len(u.Groups) >= 10 {
			return nil, errf(409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
		}
		u.Groups = append(u.Groups, g.Name)
	}
	return nil, nil
}

func (s *Server) removeUserFromGroup(_ caller, q url.Values) (any, *apiError) {
	g, u, e := s.groupAndUser(q)
	if e != nil {
		return nil, e
	}
	n := len(u.Groups)
	u.Groups = slices.DeleteFunc(u.Groups, func(x string) bool { return lower(x) == lower(g.Name) })
	if len(u.Groups) == n {
		return nil, errf(404, "NoSuchEntity", "The user with name %s is not in group %s.", u.Name, g.Name)
	}
	return nil, nil
}

func (s *Server) listGroupsForUser(_ caller, q url.Values) (any, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, e
	}
	res := struct {
		Groups      []xmlGroup `xml:"Groups>member"`
		IsTruncated bool
	}{}
	for _, n := range u.Groups {
		if g := s.db.Groups[lower(n)]; g != nil {
			res.Groups = append(res.Groups, s.xGroup(g))
		}
	}
	return res, nil
}
