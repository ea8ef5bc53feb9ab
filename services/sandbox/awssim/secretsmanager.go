package awssim

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

type jsonError struct {
	Status  int
	Type    string
	Message string
}

// jsonErrorFor turns an authentication error into the JSON protocol's codes.
func jsonErrorFor(e *apiError) jsonError {
	switch e.Code {
	case "InvalidClientTokenId":
		return jsonError{400, "UnrecognizedClientException", e.Message}
	case "SignatureDoesNotMatch":
		return jsonError{400, "InvalidSignatureException", e.Message}
	case "IncompleteSignature":
		return jsonError{400, "IncompleteSignatureException", e.Message}
	case "MissingAuthenticationToken":
		return jsonError{400, "MissingAuthenticationTokenException", e.Message}
	}
	return jsonError{e.Status, e.Code, e.Message}
}

func writeJSONError(w http.ResponseWriter, e jsonError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", requestID())
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", requestID())
	json.NewEncoder(w).Encode(v)
}

// epoch is a JSON 1.1 timestamp: seconds since the epoch as a number.
type epoch float64

func smErr(typ, format string, args ...any) *apiError {
	return errf(400, typ, format, args...)
}

type smRequest struct {
	Name                       string
	SecretId                   string
	SecretString               *string
	SecretBinary               []byte
	Description                string
	ClientRequestToken         string
	VersionId                  string
	VersionStage               string
	VersionStages              []string
	MoveToVersionId            string
	RemoveFromVersionId        string
	MaxResults                 int
	NextToken                  string
	Tags                       []tag
	ForceDeleteWithoutRecovery bool
}

func (s *Server) serveSecretsManager(w http.ResponseWriter, r *http.Request, body []byte, c caller, region string) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	var req smRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSONError(w, jsonError{400, "SerializationException", "cannot parse the request"})
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res, e := s.smDo(op, req, c, region, r.TLS != nil)
	if e != nil {
		writeJSONError(w, jsonErrorFor(e))
		return
	}
	writeJSON(w, res)
}

func (s *Server) secretsIn(region string) map[string]*smSecret {
	m := s.db.Secrets[region]
	if m == nil {
		m = map[string]*smSecret{}
		s.db.Secrets[region] = m
	}
	return m
}

// findSecret resolves a SecretId given as a name or an ARN.
func (s *Server) findSecret(region, id string) *smSecret {
	m := s.secretsIn(region)
	if sec := m[id]; sec != nil {
		return sec
	}
	for _, sec := range m {
		if sec.ARN == id {
			return sec
		}
	}
	return nil
}

func (sec *smSecret) version(id, stage string) *smVersion {
	for _, v := range sec.Versions {
		if (id != "" && v.ID == id) || (id == "" && slices.Contains(v.Stages, stage)) {
			return v
		}
	}
	return nil
}

func stagesMap(sec *smSecret) map[string][]string {
	m := map[string][]string{}
	for _, v := range sec.Versions {
		if len(v.Stages) > 0 {
			m[v.ID] = v.Stages
		}
	}
	return m
}

func (s *Server) smDo(op string, req smRequest, c caller, region string, secure bool) (any, *apiError) {
	resource := "*"
	var sec *smSecret
	switch op {
	case "ListSecrets":
	case "CreateSecret":
		if req.Name == "" {
			return nil, smErr("InvalidParameterException", "Name is required")
		}
		resource = "arn:aws:secretsmanager:" + region + ":" + s.opts.Account + ":secret:" + req.Name + "-" + randToken6()
	case "DescribeSecret", "GetSecretValue", "ListSecretVersionIds", "PutSecretValue", "UpdateSecretVersionStage", "DeleteSecret":
		sec = s.findSecret(region, req.SecretId)
		if sec != nil {
			resource = sec.ARN
		} else {
			resource = "arn:aws:secretsmanager:" + region + ":" + s.opts.Account + ":secret:" + req.SecretId
		}
	default:
		return nil, smErr("UnknownOperationException", "practice AWS does not simulate secretsmanager:%s", op)
	}
	ask := request{Action: "secretsmanager:" + op, Resource: resource, Region: region, Secure: secure}
	if sec != nil {
		ask.Tags = sec.Tags
	}
	if e := s.authorize(c, ask); e != nil {
		return nil, e
	}
	if sec == nil && op != "ListSecrets" && op != "CreateSecret" {
		return nil, smErr("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	now := s.opts.Now()
	switch op {
	case "ListSecrets":
		type entry struct {
			ARN                    string
			Name                   string
			Description            string `json:",omitempty"`
			CreatedDate            epoch
			LastChangedDate        epoch
			SecretVersionsToStages map[string][]string
		}
		names := make([]string, 0)
		for n := range s.secretsIn(region) {
			names = append(names, n)
		}
		sort.Strings(names)
		out := struct{ SecretList []entry }{SecretList: []entry{}}
		for _, n := range names {
			x := s.secretsIn(region)[n]
			out.SecretList = append(out.SecretList, entry{x.ARN, x.Name, x.Description, toEpoch(x.Created), toEpoch(x.Changed), stagesMap(x)})
		}
		return out, nil
	case "CreateSecret":
		if s.secretsIn(region)[req.Name] != nil {
			return nil, smErr("ResourceExistsException", "The operation failed because the secret %s already exists.", req.Name)
		}
		x := &smSecret{Name: req.Name, ARN: resource, Description: req.Description, Created: now, Changed: now, Tags: req.Tags, Tokens: map[string]string{}}
		out := map[string]any{"ARN": x.ARN, "Name": x.Name}
		if req.SecretString != nil {
			v := &smVersion{ID: versionID(req.ClientRequestToken), Value: *req.SecretString, Stages: []string{"AWSCURRENT"}, Created: now}
			x.Versions = append(x.Versions, v)
			x.Tokens[req.ClientRequestToken] = v.ID
			out["VersionId"] = v.ID
		}
		s.secretsIn(region)[x.Name] = x
		return out, nil
	case "DescribeSecret":
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "Description": sec.Description,
			"CreatedDate": toEpoch(sec.Created), "LastChangedDate": toEpoch(sec.Changed), "VersionIdsToStages": stagesMap(sec)}, nil
	case "GetSecretValue":
		stage := req.VersionStage
		if stage == "" && req.VersionId == "" {
			stage = "AWSCURRENT"
		}
		v := sec.version(req.VersionId, stage)
		if v == nil {
			return nil, smErr("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: %s", stage)
		}
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": v.ID, "SecretString": v.Value,
			"VersionStages": v.Stages, "CreatedDate": toEpoch(v.Created)}, nil
	case "ListSecretVersionIds":
		type ver struct {
			VersionId     string
			VersionStages []string
			CreatedDate   epoch
		}
		out := struct {
			ARN, Name string
			Versions  []ver
		}{ARN: sec.ARN, Name: sec.Name, Versions: []ver{}}
		for _, v := range sec.Versions {
			if len(v.Stages) > 0 {
				out.Versions = append(out.Versions, ver{v.ID, v.Stages, toEpoch(v.Created)})
			}
		}
		return out, nil
	case "PutSecretValue":
		if req.SecretString == nil {
			return nil, smErr("InvalidParameterException", "You must provide either SecretString or SecretBinary.")
		}
		if id, ok := sec.Tokens[req.ClientRequestToken]; ok && req.ClientRequestToken != "" {
			// Idempotent retry of the same request.
			v := sec.version(id, "")
			if v.Value != *req.SecretString {
				return nil, smErr("ResourceExistsException", "You can't modify an existing version, you can only create a new version.")
			}
			return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": v.ID, "VersionStages": v.Stages}, nil
		}
		stages := req.VersionStages
		if len(stages) == 0 {
			stages = []string{"AWSCURRENT"}
		}
		v := &smVersion{ID: versionID(req.ClientRequestToken), Value: *req.SecretString, Created: now}
		for _, st := range stages {
			s.moveStage(sec, st, v)
		}
		sec.Versions = append(sec.Versions, v)
		if sec.Tokens == nil {
			sec.Tokens = map[string]string{}
		}
		sec.Tokens[req.ClientRequestToken] = v.ID
		sec.Changed = now
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": v.ID, "VersionStages": v.Stages}, nil
	case "UpdateSecretVersionStage":
		var to *smVersion
		if req.MoveToVersionId != "" {
			if to = sec.version(req.MoveToVersionId, ""); to == nil {
				return nil, smErr("InvalidParameterException", "version %s not found", req.MoveToVersionId)
			}
		}
		if req.VersionStage == "AWSCURRENT" && to != nil {
			cur := sec.version("", "AWSCURRENT")
			if cur != nil && cur != to && req.RemoveFromVersionId != cur.ID {
				return nil, smErr("InvalidParameterException", "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", cur.ID)
			}
		}
		if req.RemoveFromVersionId != "" {
			if from := sec.version(req.RemoveFromVersionId, ""); from != nil {
				from.Stages = slices.DeleteFunc(from.Stages, func(x string) bool { return x == req.VersionStage })
				if req.VersionStage == "AWSCURRENT" && to != nil {
					s.moveStage(sec, "AWSPREVIOUS", from)
				}
			}
		}
		if to != nil {
			for _, v := range sec.Versions {
				if v != to {
					v.Stages = slices.DeleteFunc(v.Stages, func(x string) bool { return x == req.VersionStage })
				}
			}
			if !slices.Contains(to.Stages, req.VersionStage) {
				to.Stages = append(to.Stages, req.VersionStage)
			}
		}
		sec.Changed = now
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name}, nil
	case "DeleteSecret":
		delete(s.secretsIn(region), sec.Name)
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "DeletionDate": toEpoch(now)}, nil
	}
	return nil, smErr("InternalServiceError", "unhandled %s", op)
}

// moveStage puts a staging label on v, taking it off any other version. Moving AWSCURRENT
// leaves AWSPREVIOUS on the version that had it, as Secrets Manager does.
func (s *Server) moveStage(sec *smSecret, stage string, v *smVersion) {
	for _, o := range sec.Versions {
		if o == v {
			continue
		}
		if slices.Contains(o.Stages, stage) {
			o.Stages = slices.DeleteFunc(o.Stages, func(x string) bool { return x == stage })
			if stage == "AWSCURRENT" {
				for _, p := range sec.Versions {
					p.Stages = slices.DeleteFunc(p.Stages, func(x string) bool { return x == "AWSPREVIOUS" })
				}
				o.Stages = append(o.Stages, "AWSPREVIOUS")
			}
		}
	}
	if !slices.Contains(v.Stages, stage) {
		v.Stages = append(v.Stages, stage)
	}
}

func versionID(token string) string {
	if token != "" {
		return token
	}
	return requestID()
}

func randToken6() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := []byte(randToken(6))
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

func toEpoch(t interface{ UnixMilli() int64 }) epoch {
	return epoch(float64(t.UnixMilli()) / 1000)
}

// SeedSecret adds a secret as if someone had created it in AWS (practice content for Pull).
func (s *Server) SeedSecret(region, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if s.secretsIn(region)[name] != nil {
		return
	}
	s.secretsIn(region)[name] = &smSecret{Name: name, ARN: "arn:aws:secretsmanager:" + region + ":" + s.opts.Account + ":secret:" + name + "-" + randToken6(),
		Created: now, Changed: now, Tokens: map[string]string{},
		Versions: []*smVersion{{ID: requestID(), Value: value, Stages: []string{"AWSCURRENT"}, Created: now}}}
}
