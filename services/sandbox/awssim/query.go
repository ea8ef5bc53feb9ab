package awssim

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlUser struct {
	Path       string   `xml:"Path"`
	UserName   string   `xml:"UserName"`
	UserId     string   `xml:"UserId"`
	Arn        string   `xml:"Arn"`
	CreateDate string   `xml:"CreateDate"`
	Tags       []xmlTag `xml:"Tags>member,omitempty"`
}

type xmlGroup struct {
	Path       string `xml:"Path"`
	GroupName  string `xml:"GroupName"`
	GroupId    string `xml:"GroupId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

type xmlPolicy struct {
	PolicyName       string   `xml:"PolicyName"`
	PolicyId         string   `xml:"PolicyId"`
	Arn              string   `xml:"Arn"`
	Path             string   `xml:"Path"`
	DefaultVersionId string   `xml:"DefaultVersionId"`
	AttachmentCount  int      `xml:"AttachmentCount"`
	IsAttachable     bool     `xml:"IsAttachable"`
	Description      string   `xml:"Description,omitempty"`
	CreateDate       string   `xml:"CreateDate"`
	UpdateDate       string   `xml:"UpdateDate"`
	Tags             []xmlTag `xml:"Tags>member,omitempty"`
}

type xmlPolicyVersion struct {
	Document         string `xml:"Document,omitempty"`
	VersionId        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type xmlAttached struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type xmlKeyMeta struct {
	UserName    string `xml:"UserName"`
	AccessKeyId string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

type xmlKey struct {
	xmlKeyMeta
	SecretAccessKey string `xml:"SecretAccessKey"`
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func xmlTags(tags []tag) []xmlTag {
	var out []xmlTag
	for _, t := range tags {
		out = append(out, xmlTag(t))
	}
	return out
}

// tagList is the result of ListUserTags and ListPolicyTags.
func tagList(tags []tag) any {
	return struct {
		Tags        []xmlTag `xml:"Tags>member"`
		IsTruncated bool
	}{Tags: xmlTags(tags)}
}

func writeXML(w http.ResponseWriter, ns, action string, result any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", requestID())
	w.WriteHeader(200)
	enc := xml.NewEncoder(w)
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}}
	enc.EncodeToken(root)
	if result != nil {
		enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	enc.EncodeElement(struct {
		RequestId string `xml:"RequestId"`
	}{w.Header().Get("X-Amzn-RequestId")}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	enc.EncodeToken(root.End())
	enc.Flush()
}

func writeXMLError(w http.ResponseWriter, e *apiError) {
	id := requestID()
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", id)
	w.WriteHeader(e.Status)
	xml.NewEncoder(w).Encode(struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestId string   `xml:"RequestId"`
	}{Xmlns: iamNS, Type: typ, Code: e.Code, Message: e.Message, RequestId: id})
}

// queryTags reads Tags.member.N.Key/Value.
func queryTags(q url.Values) []tag {
	var out []tag
	for i := 1; ; i++ {
		k := q.Get("Tags.member." + strconv.Itoa(i) + ".Key")
		if k == "" {
			return out
		}
		out = append(out, tag{k, q.Get("Tags.member." + strconv.Itoa(i) + ".Value")})
	}
}

func queryList(q url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := q[prefix+".member."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, body []byte, c caller, service, region string) {
	q, err := url.ParseQuery(string(body))
	if err != nil {
		writeXMLError(w, errf(400, "MalformedQueryString", "cannot parse the request body"))
		return
	}
	action := q.Get("Action")
	if service == "sts" && action == "GetSessionToken" {
		s.getSessionToken(w, q, c)
		return
	}
	if service == "iam" && c.session != nil && !c.session.MFA {
		// IAM refuses temporary credentials from GetSessionToken unless MFA was given.
		writeXMLError(w, errf(403, "InvalidClientTokenId", "The security token included in the request is invalid"))
		return
	}
	if service == "sts" {
		if action != "GetCallerIdentity" {
			writeXMLError(w, errf(400, "InvalidAction", "practice AWS does not simulate sts:%s", action))
			return
		}
		// GetCallerIdentity needs no permission, in AWS as here.
		res := struct {
			Arn, UserId, Account string
		}{"arn:aws:iam::" + s.opts.Account + ":root", s.opts.Account, s.opts.Account}
		if c.user != nil {
			res.Arn, res.UserId = s.userARN(c.user.Name), c.user.ID
		}
		writeXML(w, stsNS, action, res)
		return
	}
	h, ok := iamHandlers[action]
	if !ok {
		writeXMLError(w, errf(400, "InvalidAction", "practice AWS does not simulate iam:%s", action))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.authorize(c, "iam:"+action, s.iamResource(q)); e != nil {
		writeXMLError(w, e)
		return
	}
	res, e := h(s, q)
	if e != nil {
		writeXMLError(w, e)
		return
	}
	writeXML(w, iamNS, action, res)
}

// getSessionToken issues temporary credentials for the caller; with SerialNumber and
// TokenCode they count as MFA-authenticated.
func (s *Server) getSessionToken(w http.ResponseWriter, q url.Values, c caller) {
	sess := &session{KeyID: "ASIA" + randUpper(16), Secret: randToken(40), Token: randToken(64),
		MFA: q.Get("SerialNumber") != "" && q.Get("TokenCode") != "", Expires: s.opts.Now().Add(time.Hour)}
	if secs, err := strconv.Atoi(q.Get("DurationSeconds")); err == nil {
		sess.Expires = s.opts.Now().Add(time.Duration(secs) * time.Second)
	}
	if c.user != nil {
		sess.User = c.user.Name
	}
	s.mu.Lock()
	s.sessions[sess.KeyID] = sess
	s.mu.Unlock()
	writeXML(w, stsNS, "GetSessionToken", struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken, Expiration string
		}
	}{Credentials: struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }{sess.KeyID, sess.Secret, sess.Token, ts(sess.Expires)}})
}

// iamResource is the ARN an IAM call acts on, for policy evaluation.
func (s *Server) iamResource(q url.Values) string {
	switch {
	case q.Get("PolicyArn") != "":
		return q.Get("PolicyArn")
	case q.Get("GroupName") != "":
		return "arn:aws:iam::" + s.opts.Account + ":group/" + q.Get("GroupName")
	case q.Get("UserName") != "":
		return s.userARN(q.Get("UserName"))
	case q.Get("PolicyName") != "":
		return "arn:aws:iam::" + s.opts.Account + ":policy/" + q.Get("PolicyName")
	}
	return "*"
}

func (s *Server) userARN(name string) string {
	return "arn:aws:iam::" + s.opts.Account + ":user/" + name
}
func (s *Server) groupARN(name string) string {
	return "arn:aws:iam::" + s.opts.Account + ":group/" + name
}

func (s *Server) xUser(u *user, withTags bool) xmlUser {
	x := xmlUser{Path: "/", UserName: u.Name, UserId: u.ID, Arn: s.userARN(u.Name), CreateDate: ts(u.Created)}
	if withTags {
		x.Tags = xmlTags(u.Tags)
	}
	return x
}

func (s *Server) xGroup(g *group) xmlGroup {
	return xmlGroup{Path: "/", GroupName: g.Name, GroupId: g.ID, Arn: s.groupARN(g.Name), CreateDate: ts(g.Created)}
}

func (s *Server) xPolicy(p *policy) xmlPolicy {
	x := xmlPolicy{PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.Default,
		AttachmentCount: s.attachmentCount(p.ARN), IsAttachable: true, Description: p.Description,
		CreateDate: ts(p.Created), UpdateDate: ts(p.Created)}
	x.Tags = xmlTags(p.Tags)
	return x
}

func (s *Server) attachmentCount(arn string) int {
	n := 0
	for _, u := range s.db.Users {
		if slices.Contains(u.Attached, arn) {
			n++
		}
	}
	for _, g := range s.db.Groups {
		if slices.Contains(g.Attached, arn) {
			n++
		}
	}
	return n
}

func (s *Server) getUser(name string) (*user, *apiError) {
	if name == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
	}
	u := s.db.Users[lower(name)]
	if u == nil {
		return nil, errf(404, "NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return u, nil
}

func (s *Server) getGroup(name string) (*group, *apiError) {
	g := s.db.Groups[lower(name)]
	if g == nil {
		return nil, errf(404, "NoSuchEntity", "The group with name %s cannot be found.", name)
	}
	return g, nil
}

func (s *Server) getPolicy(arn string) (*policy, *apiError) {
	p := s.db.Policies[arn]
	if p == nil {
		return nil, errf(404, "NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	}
	return p, nil
}

var iamName = regexpMust(`^[\w+=,.@-]+$`)

func validName(kind, v string, max int) *apiError {
	if len(v) < 1 || len(v) > max || !iamName.MatchString(v) {
		return errf(400, "ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length at most %d", v, kind, max)
	}
	return nil
}

type iamHandler func(s *Server, q url.Values) (any, *apiError)

// attachments returns the policy list of the user or group the request names.
func (s *Server) attachments(q url.Values, kind string) (*[]string, *apiError) {
	if kind == "User" {
		u, e := s.getUser(q.Get("UserName"))
		if e != nil {
			return nil, e
		}
		return &u.Attached, nil
	}
	g, e := s.getGroup(q.Get("GroupName"))
	if e != nil {
		return nil, e
	}
	return &g.Attached, nil
}

func attachPolicy(kind string) iamHandler {
	return func(s *Server, q url.Values) (any, *apiError) {
		list, e := s.attachments(q, kind)
		if e != nil {
			return nil, e
		}
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		if !slices.Contains(*list, p.ARN) {
			if len(*list) >= 10 {
				return nil, errf(409, "LimitExceeded", "Cannot exceed quota for PoliciesPer%s: 10", kind)
			}
			*list = append(*list, p.ARN)
		}
		return nil, nil
	}
}

func detachPolicy(kind string) iamHandler {
	return func(s *Server, q url.Values) (any, *apiError) {
		list, e := s.attachments(q, kind)
		if e != nil {
			return nil, e
		}
		n := len(*list)
		*list = slices.DeleteFunc(*list, func(a string) bool { return a == q.Get("PolicyArn") })
		if len(*list) == n {
			return nil, errf(404, "NoSuchEntity", "Policy %s was not found.", q.Get("PolicyArn"))
		}
		return nil, nil
	}
}

func listAttached(kind string) iamHandler {
	return func(s *Server, q url.Values) (any, *apiError) {
		list, e := s.attachments(q, kind)
		if e != nil {
			return nil, e
		}
		res := struct {
			AttachedPolicies []xmlAttached `xml:"AttachedPolicies>member"`
			IsTruncated      bool
		}{}
		for _, arn := range *list {
			if p := s.db.Policies[arn]; p != nil {
				res.AttachedPolicies = append(res.AttachedPolicies, xmlAttached{p.Name, p.ARN})
			}
		}
		return res, nil
	}
}

var iamHandlers = map[string]iamHandler{
	"AttachUserPolicy":          attachPolicy("User"),
	"DetachUserPolicy":          detachPolicy("User"),
	"ListAttachedUserPolicies":  listAttached("User"),
	"AttachGroupPolicy":         attachPolicy("Group"),
	"DetachGroupPolicy":         detachPolicy("Group"),
	"ListAttachedGroupPolicies": listAttached("Group"),
	"CreateUser": func(s *Server, q url.Values) (any, *apiError) {
		name := q.Get("UserName")
		if e := validName("userName", name, 64); e != nil {
			return nil, e
		}
		if s.db.Users[lower(name)] != nil {
			return nil, errf(409, "EntityAlreadyExists", "User with name %s already exists.", name)
		}
		u := &user{Name: name, ID: "AIDA" + randUpper(17), Created: s.opts.Now(), Tags: queryTags(q), Inline: map[string]string{}}
		s.db.Users[lower(name)] = u
		return struct {
			User xmlUser
		}{s.xUser(u, true)}, nil
	},
	"GetUser": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
		if e != nil {
			return nil, e
		}
		return struct{ User xmlUser }{s.xUser(u, true)}, nil
	},
	"DeleteUser": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
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
	},
	"TagUser": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
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
	},
	"UntagUser": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
		if e != nil {
			return nil, e
		}
		keys := queryList(q, "TagKeys")
		u.Tags = slices.DeleteFunc(u.Tags, func(t tag) bool { return slices.Contains(keys, t.Key) })
		return nil, nil
	},
	"ListUserTags": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
		if e != nil {
			return nil, e
		}
		return tagList(u.Tags), nil
	},
	"CreateGroup": func(s *Server, q url.Values) (any, *apiError) {
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
	},
	"GetGroup": func(s *Server, q url.Values) (any, *apiError) {
		g, e := s.getGroup(q.Get("GroupName"))
		if e != nil {
			return nil, e
		}
		res := struct {
			Group       xmlGroup
			Users       []xmlUser `xml:"Users>member"`
			IsTruncated bool
		}{Group: s.xGroup(g)}
		for _, u := range s.sortedUsers() {
			if slices.ContainsFunc(u.Groups, func(n string) bool { return lower(n) == lower(g.Name) }) {
				res.Users = append(res.Users, s.xUser(u, false))
			}
		}
		return res, nil
	},
	"DeleteGroup": func(s *Server, q url.Values) (any, *apiError) {
		g, e := s.getGroup(q.Get("GroupName"))
		if e != nil {
			return nil, e
		}
		for _, u := range s.db.Users {
			if slices.ContainsFunc(u.Groups, func(n string) bool { return lower(n) == lower(g.Name) }) {
				return nil, errf(409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
			}
		}
		if len(g.Attached) > 0 || len(g.Inline) > 0 {
			return nil, errf(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		delete(s.db.Groups, lower(g.Name))
		return nil, nil
	},
	"AddUserToGroup": func(s *Server, q url.Values) (any, *apiError) {
		g, e := s.getGroup(q.Get("GroupName"))
		if e != nil {
			return nil, e
		}
		u, e := s.getUser(q.Get("UserName"))
		if e != nil {
			return nil, e
		}
		if !slices.ContainsFunc(u.Groups, func(n string) bool { return lower(n) == lower(g.Name) }) {
			if len(u.Groups) >= 10 {
				return nil, errf(409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
			}
			u.Groups = append(u.Groups, g.Name)
		}
		return nil, nil
	},
	"RemoveUserFromGroup": func(s *Server, q url.Values) (any, *apiError) {
		g, e := s.getGroup(q.Get("GroupName"))
		if e != nil {
			return nil, e
		}
		u, e := s.getUser(q.Get("UserName"))
		if e != nil {
			return nil, e
		}
		n := len(u.Groups)
		u.Groups = slices.DeleteFunc(u.Groups, func(x string) bool { return lower(x) == lower(g.Name) })
		if len(u.Groups) == n {
			return nil, errf(404, "NoSuchEntity", "The user with name %s is not in group %s.", u.Name, g.Name)
		}
		return nil, nil
	},
	"ListGroupsForUser": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
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
	},
	"CreateAccessKey": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
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
	},
	"ListAccessKeys": func(s *Server, q url.Values) (any, *apiError) {
		u, e := s.getUser(q.Get("UserName"))
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
	},
	"DeleteAccessKey": func(s *Server, q url.Values) (any, *apiError) {
		k := s.db.Keys[q.Get("AccessKeyId")]
		if k == nil || (q.Get("UserName") != "" && lower(k.User) != lower(q.Get("UserName"))) {
			return nil, errf(404, "NoSuchEntity", "The Access Key with id %s cannot be found.", q.Get("AccessKeyId"))
		}
		delete(s.db.Keys, k.ID)
		return nil, nil
	},
	"UpdateAccessKey": func(s *Server, q url.Values) (any, *apiError) {
		k := s.db.Keys[q.Get("AccessKeyId")]
		if k == nil {
			return nil, errf(404, "NoSuchEntity", "The Access Key with id %s cannot be found.", q.Get("AccessKeyId"))
		}
		k.Status = q.Get("Status")
		return nil, nil
	},
	"CreatePolicy": func(s *Server, q url.Values) (any, *apiError) {
		name := q.Get("PolicyName")
		if e := validName("policyName", name, 128); e != nil {
			return nil, e
		}
		path := q.Get("Path")
		if path == "" {
			path = "/"
		}
		arn := "arn:aws:iam::" + s.opts.Account + ":policy" + path + name
		for _, p := range s.db.Policies {
			if !p.AWSManaged && lower(p.Name) == lower(name) {
				return nil, errf(409, "EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
			}
		}
		doc := q.Get("PolicyDocument")
		if e := validDocument(doc); e != nil {
			return nil, e
		}
		now := s.opts.Now()
		p := &policy{Name: name, ID: "ANPA" + randUpper(17), ARN: arn, Path: path, Description: q.Get("Description"),
			Default: "v1", NextVersion: 2, Created: now, Tags: queryTags(q),
			Versions: []policyVersion{{ID: "v1", Document: doc, Created: now}}}
		s.db.Policies[arn] = p
		return struct{ Policy xmlPolicy }{s.xPolicy(p)}, nil
	},
	"GetPolicy": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		return struct{ Policy xmlPolicy }{s.xPolicy(p)}, nil
	},
	"GetPolicyVersion": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		for _, v := range p.Versions {
			if v.ID == q.Get("VersionId") {
				// AWS returns the document URL-encoded (RFC 3986).
				return struct{ PolicyVersion xmlPolicyVersion }{xmlPolicyVersion{url.PathEscape(v.Document), v.ID, v.ID == p.Default, ts(v.Created)}}, nil
			}
		}
		return nil, errf(404, "NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", p.ARN, q.Get("VersionId"))
	},
	"CreatePolicyVersion": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		if p.AWSManaged {
			return nil, errf(403, "AccessDenied", "AWS managed policies cannot be changed")
		}
		if len(p.Versions) >= 5 {
			return nil, errf(409, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		doc := q.Get("PolicyDocument")
		if e := validDocument(doc); e != nil {
			return nil, e
		}
		v := policyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Document: doc, Created: s.opts.Now()}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if q.Get("SetAsDefault") == "true" {
			p.Default = v.ID
		}
		return struct{ PolicyVersion xmlPolicyVersion }{xmlPolicyVersion{"", v.ID, v.ID == p.Default, ts(v.Created)}}, nil
	},
	"ListPolicyVersions": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		res := struct {
			Versions    []xmlPolicyVersion `xml:"Versions>member"`
			IsTruncated bool
		}{}
		for _, v := range p.Versions {
			res.Versions = append(res.Versions, xmlPolicyVersion{"", v.ID, v.ID == p.Default, ts(v.Created)})
		}
		return res, nil
	},
	"DeletePolicyVersion": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		id := q.Get("VersionId")
		if id == p.Default {
			return nil, errf(409, "DeleteConflict", "Cannot delete the default version of a policy.")
		}
		n := len(p.Versions)
		p.Versions = slices.DeleteFunc(p.Versions, func(v policyVersion) bool { return v.ID == id })
		if len(p.Versions) == n {
			return nil, errf(404, "NoSuchEntity", "Policy %s version %s does not exist.", p.ARN, id)
		}
		return nil, nil
	},
	"DeletePolicy": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		if s.attachmentCount(p.ARN) > 0 {
			return nil, errf(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
		}
		if len(p.Versions) > 1 {
			return nil, errf(409, "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		delete(s.db.Policies, p.ARN)
		return nil, nil
	},
	"ListEntitiesForPolicy": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		type named struct {
			GroupName string `xml:"GroupName,omitempty"`
			UserName  string `xml:"UserName,omitempty"`
		}
		res := struct {
			PolicyGroups []named `xml:"PolicyGroups>member"`
			PolicyUsers  []named `xml:"PolicyUsers>member"`
			IsTruncated  bool
		}{}
		for _, g := range s.db.Groups {
			if slices.Contains(g.Attached, p.ARN) {
				res.PolicyGroups = append(res.PolicyGroups, named{GroupName: g.Name})
			}
		}
		for _, u := range s.db.Users {
			if slices.Contains(u.Attached, p.ARN) {
				res.PolicyUsers = append(res.PolicyUsers, named{UserName: u.Name})
			}
		}
		return res, nil
	},
	"ListPolicyTags": func(s *Server, q url.Values) (any, *apiError) {
		p, e := s.getPolicy(q.Get("PolicyArn"))
		if e != nil {
			return nil, e
		}
		return tagList(p.Tags), nil
	},
	"ListPolicies": func(s *Server, q url.Values) (any, *apiError) {
		res := struct {
			Policies    []xmlPolicy `xml:"Policies>member"`
			IsTruncated bool
		}{}
		scope := q.Get("Scope")
		var arns []string
		for arn, p := range s.db.Policies {
			if scope == "" || scope == "All" || (scope == "Local") != p.AWSManaged {
				arns = append(arns, arn)
			}
		}
		sort.Strings(arns)
		for _, arn := range arns {
			res.Policies = append(res.Policies, s.xPolicy(s.db.Policies[arn]))
		}
		return res, nil
	},
	"ListUsers": func(s *Server, q url.Values) (any, *apiError) {
		res := struct {
			Users       []xmlUser `xml:"Users>member"`
			IsTruncated bool
		}{}
		for _, u := range s.sortedUsers() {
			res.Users = append(res.Users, s.xUser(u, false))
		}
		return res, nil
	},
}

func validDocument(doc string) *apiError {
	if strings.TrimSpace(doc) == "" {
		return errf(400, "MalformedPolicyDocument", "The policy document is empty.")
	}
	sts, err := parseStatements(doc)
	if err != nil || len(sts) == 0 {
		return errf(400, "MalformedPolicyDocument", "Syntax errors in policy.")
	}
	for _, st := range sts {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return errf(400, "MalformedPolicyDocument", "Policy statement must contain an Effect of Allow or Deny.")
		}
		if len(st.Action) == 0 && len(st.NotAction) == 0 {
			return errf(400, "MalformedPolicyDocument", "Policy statement must contain actions.")
		}
		if len(st.Resource) == 0 && len(st.NotResource) == 0 {
			return errf(400, "MalformedPolicyDocument", "Policy statement must contain resources.")
		}
	}
	return nil
}

func (s *Server) sortedUsers() []*user {
	out := make([]*user, 0, len(s.db.Users))
	for _, u := range s.db.Users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
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
