package awssim

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// IAM managed policies, their versions, and their attachment to users and groups.

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

func (s *Server) createPolicy(_ caller, q url.Values) (any, *apiError) {
	name := q.Get("PolicyName")
	if e := validName("policyName", name, 128); e != nil {
		return nil, e
	}
	path := orSlash(q.Get("Path"))
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
}

func (s *Server) getPolicyAction(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
	if e != nil {
		return nil, e
	}
	return struct{ Policy xmlPolicy }{s.xPolicy(p)}, nil
}

// deletePolicy refuses while the policy is attached or has more than its default version.
func (s *Server) deletePolicy(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
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
}

func (s *Server) listPolicies(_ caller, q url.Values) (any, *apiError) {
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
}

func (s *Server) listPolicyTags(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
	if e != nil {
		return nil, e
	}
	return tagList(p.Tags), nil
}

func (s *Server) listEntitiesForPolicy(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
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
}

func (s *Server) getPolicyVersion(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
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
}

func (s *Server) createPolicyVersion(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
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
}

func (s *Server) listPolicyVersions(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
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
}

func (s *Server) deletePolicyVersion(_ caller, q url.Values) (any, *apiError) {
	p, e := s.findPolicy(q.Get("PolicyArn"))
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
}

// ---- attachments: the same three calls for users and for groups ----

func (s *Server) userAttachments(q url.Values) (*[]string, string, *apiError) {
	u, e := s.findUser(q.Get("UserName"))
	if e != nil {
		return nil, "", e
	}
	return &u.Attached, "User", nil
}

func (s *Server) groupAttachments(q url.Values) (*[]string, string, *apiError) {
	g, e := s.findGroup(q.Get("GroupName"))
	if e != nil {
		return nil, "", e
	}
	return &g.Attached, "Group", nil
}

func (s *Server) attachUserPolicy(_ caller, q url.Values) (any, *apiError) {
	return s.attach(q, s.userAttachments)
}
func (s *Server) attachGroupPolicy(_ caller, q url.Values) (any, *apiError) {
	return s.attach(q, s.groupAttachments)
}
func (s *Server) detachUserPolicy(_ caller, q url.Values) (any, *apiError) {
	return s.detach(q, s.userAttachments)
}
func (s *Server) detachGroupPolicy(_ caller, q url.Values) (any, *apiError) {
	return s.detach(q, s.groupAttachments)
}
func (s *Server) listAttachedUserPolicies(_ caller, q url.Values) (any, *apiError) {
	return s.listAttached(q, s.userAttachments)
}
func (s *Server) listAttachedGroupPolicies(_ caller, q url.Values) (any, *apiError) {
	return s.listAttached(q, s.groupAttachments)
}

type attachments func(q url.Values) (list *[]string, kind string, e *apiError)

func (s *Server) attach(q url.Values, of attachments) (any, *apiError) {
	list, kind, e := of(q)
	if e != nil {
		return nil, e
	}
	p, e := s.findPolicy(q.Get("PolicyArn"))
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

func (s *Server) detach(q url.Values, of attachments) (any, *apiError) {
	list, _, e := of(q)
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

func (s *Server) listAttached(q url.Values, of attachments) (any, *apiError) {
	list, _, e := of(q)
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

// validDocument checks a policy's grammar as far as IAM's MalformedPolicyDocument does for
// the documents practice meets.
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
