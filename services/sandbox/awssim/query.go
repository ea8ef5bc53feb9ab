package awssim

// The query protocol (IAM and STS): form-encoded requests, XML responses, and the table that
// dispatches each action to its handler. The handlers live with their resource: iam_users.go,
// iam_keys.go, iam_groups.go, iam_policies.go, sts.go.

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
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

// queryHandler performs one IAM or STS action for an authorised caller and returns its result
// element (nil for actions whose response is only metadata).
type queryHandler func(s *Server, c caller, q url.Values) (any, *apiError)

// queryAction is one entry of the dispatch table: the handler and, for IAM, the resource the
// call is authorised against (STS actions need no permission here).
type queryAction struct {
	handle queryHandler
	target func(s *Server, q url.Values) target
}

// target is what an IAM call acts on, for policy evaluation: its ARN and its tags.
type target struct {
	ARN  string
	Tags []tag
}

// iamActions maps each simulated IAM action to its handler and its resource. As in AWS,
// attaching, detaching and listing policies is authorised against the user or group that
// changes, not the policy.
var iamActions = map[string]queryAction{
	"CreateUser":   {(*Server).createUser, userTarget},
	"GetUser":      {(*Server).getUserAction, userTarget},
	"DeleteUser":   {(*Server).deleteUser, userTarget},
	"ListUsers":    {(*Server).listUsers, usersPathTarget},
	"TagUser":      {(*Server).tagUser, userTarget},
	"UntagUser":    {(*Server).untagUser, userTarget},
	"ListUserTags": {(*Server).listUserTags, userTarget},

	"CreateAccessKey": {(*Server).createAccessKey, userTarget},
	"ListAccessKeys":  {(*Server).listAccessKeys, userTarget},
	"UpdateAccessKey": {(*Server).updateAccessKey, userTarget},
	"DeleteAccessKey": {(*Server).deleteAccessKey, userTarget},
	// Authorized against the key's user, as AWS does.
	"GetAccessKeyLastUsed": {(*Server).getAccessKeyLastUsed, keyUserTarget},

	"CreateGroup":         {(*Server).createGroup, groupTarget},
	"GetGroup":            {(*Server).getGroupAction, groupTarget},
	"DeleteGroup":         {(*Server).deleteGroup, groupTarget},
	"AddUserToGroup":      {(*Server).addUserToGroup, groupTarget},
	"RemoveUserFromGroup": {(*Server).removeUserFromGroup, groupTarget},
	"ListGroupsForUser":   {(*Server).listGroupsForUser, userTarget},

	"AttachUserPolicy":          {(*Server).attachUserPolicy, userTarget},
	"DetachUserPolicy":          {(*Server).detachUserPolicy, userTarget},
	"ListAttachedUserPolicies":  {(*Server).listAttachedUserPolicies, userTarget},
	"AttachGroupPolicy":         {(*Server).attachGroupPolicy, groupTarget},
	"DetachGroupPolicy":         {(*Server).detachGroupPolicy, groupTarget},
	"ListAttachedGroupPolicies": {(*Server).listAttachedGroupPolicies, groupTarget},

	"CreatePolicy":          {(*Server).createPolicy, newPolicyTarget},
	"GetPolicy":             {(*Server).getPolicyAction, policyTarget},
	"DeletePolicy":          {(*Server).deletePolicy, policyTarget},
	"ListPolicies":          {(*Server).listPolicies, anyTarget},
	"ListPolicyTags":        {(*Server).listPolicyTags, policyTarget},
	"ListEntitiesForPolicy": {(*Server).listEntitiesForPolicy, policyTarget},
	"GetPolicyVersion":      {(*Server).getPolicyVersion, policyTarget},
	"CreatePolicyVersion":   {(*Server).createPolicyVersion, policyTarget},
	"ListPolicyVersions":    {(*Server).listPolicyVersions, policyTarget},
	"DeletePolicyVersion":   {(*Server).deletePolicyVersion, policyTarget},
}

// stsActions need no permission: GetCallerIdentity never does in AWS, and GetSessionToken
// only issues credentials for the caller itself.
var stsActions = map[string]queryHandler{
	"GetCallerIdentity": (*Server).getCallerIdentity,
	"GetSessionToken":   (*Server).getSessionToken,
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, body []byte, c caller, service, region string) {
	q, err := url.ParseQuery(string(body))
	if err != nil {
		writeXMLError(w, errf(400, "MalformedQueryString", "cannot parse the request body"))
		return
	}
	action := q.Get("Action")
	s.mu.Lock()
	defer s.mu.Unlock()
	if service == "sts" {
		h, ok := stsActions[action]
		if !ok {
			writeXMLError(w, errf(400, "InvalidAction", "practice AWS does not simulate sts:%s", action))
			return
		}
		res, e := h(s, c, q)
		if e != nil {
			writeXMLError(w, e)
			return
		}
		writeXML(w, stsNS, action, res)
		return
	}
	if c.session != nil && !c.session.MFA {
		// IAM refuses temporary credentials from GetSessionToken unless MFA was given.
		writeXMLError(w, errf(403, "InvalidClientTokenId", "The security token included in the request is invalid"))
		return
	}
	a, ok := iamActions[action]
	if !ok {
		writeXMLError(w, errf(400, "InvalidAction", "practice AWS does not simulate iam:%s", action))
		return
	}
	t := a.target(s, q)
	if e := s.authorize(c, request{Action: "iam:" + action, Resource: t.ARN, Region: region, Secure: r.TLS != nil, Tags: t.Tags}); e != nil {
		writeXMLError(w, e)
		return
	}
	res, e := a.handle(s, c, q)
	if e != nil {
		writeXMLError(w, e)
		return
	}
	writeXML(w, iamNS, action, res)
}

func userTarget(s *Server, q url.Values) target {
	t := target{ARN: s.userARN(q.Get("UserName"))}
	if u := s.db.Users[lower(q.Get("UserName"))]; u != nil {
		t.Tags = u.Tags
	}
	return t
}

// keyUserTarget is the user an AccessKeyId belongs to.
func keyUserTarget(s *Server, q url.Values) target {
	name := ""
	if k := s.db.Keys[q.Get("AccessKeyId")]; k != nil {
		name = k.User
	}
	return userTarget(s, url.Values{"UserName": {name}})
}

// usersPathTarget is ListUsers' resource in AWS: the users under the path prefix.
func usersPathTarget(s *Server, q url.Values) target {
	return target{ARN: "arn:aws:iam::" + s.opts.Account + ":user" + orSlash(q.Get("PathPrefix"))}
}

func groupTarget(s *Server, q url.Values) target { return target{ARN: s.groupARN(q.Get("GroupName"))} }

func policyTarget(s *Server, q url.Values) target {
	t := target{ARN: q.Get("PolicyArn")}
	if p := s.db.Policies[t.ARN]; p != nil {
		t.Tags = p.Tags
	}
	return t
}

func newPolicyTarget(s *Server, q url.Values) target {
	return target{ARN: "arn:aws:iam::" + s.opts.Account + ":policy" + orSlash(q.Get("Path")) + q.Get("PolicyName")}
}

func anyTarget(*Server, url.Values) target { return target{ARN: "*"} }

func orSlash(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

func (s *Server) userARN(name string) string {
	return "arn:aws:iam::" + s.opts.Account + ":user/" + name
}
func (s *Server) groupARN(name string) string {
	return "arn:aws:iam::" + s.opts.Account + ":group/" + name
}

func (s *Server) findUser(name string) (*user, *apiError) {
	if name == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
	}
	u := s.db.Users[lower(name)]
	if u == nil {
		return nil, errf(404, "NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return u, nil
}

func (s *Server) findGroup(name string) (*group, *apiError) {
	g := s.db.Groups[lower(name)]
	if g == nil {
		return nil, errf(404, "NoSuchEntity", "The group with name %s cannot be found.", name)
	}
	return g, nil
}

func (s *Server) findPolicy(arn string) (*policy, *apiError) {
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
