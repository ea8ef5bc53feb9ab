package awssim

import (
	"encoding/json"
	"time"
)

// database is the account's state. Its fields are exported only so Snapshot can encode them.
type database struct {
	Users    map[string]*user                `json:"users"`  // by lower-case name: IAM names are case-insensitive
	Groups   map[string]*group               `json:"groups"` // by lower-case name
	Policies map[string]*policy              `json:"policies"`
	Keys     map[string]*accessKey           `json:"keys"`
	Secrets  map[string]map[string]*smSecret `json:"secrets"` // region → name → secret
}

type tag struct{ Key, Value string }

type user struct {
	Name     string            `json:"name"`
	ID       string            `json:"id"`
	Created  time.Time         `json:"created"`
	Tags     []tag             `json:"tags"`
	Groups   []string          `json:"groups"`   // names as created
	Attached []string          `json:"attached"` // policy ARNs
	Inline   map[string]string `json:"inline"`   // name → document
}

type group struct {
	Name     string            `json:"name"`
	ID       string            `json:"id"`
	Created  time.Time         `json:"created"`
	Attached []string          `json:"attached"`
	Inline   map[string]string `json:"inline"`
}

type policyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
}

type policy struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"`
	ARN         string          `json:"arn"`
	Path        string          `json:"path"`
	Description string          `json:"description"`
	Default     string          `json:"default"`
	Versions    []policyVersion `json:"versions"`
	NextVersion int             `json:"nextVersion"`
	Created     time.Time       `json:"created"`
	Tags        []tag           `json:"tags"`
	AWSManaged  bool            `json:"awsManaged"`
}

func (p *policy) defaultDocument() string {
	for _, v := range p.Versions {
		if v.ID == p.Default {
			return v.Document
		}
	}
	return ""
}

type accessKey struct {
	ID      string    `json:"id"`
	Secret  string    `json:"secret"`
	User    string    `json:"user"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// LastUsed, LastService and LastRegion are what iam:GetAccessKeyLastUsed answers: the
	// last authentic request signed with the key (authorized or not, as AWS counts it).
	LastUsed    time.Time `json:"lastUsed,omitzero"`
	LastService string    `json:"lastService,omitempty"`
	LastRegion  string    `json:"lastRegion,omitempty"`
}

type smVersion struct {
	ID      string    `json:"id"`
	Value   string    `json:"value"`
	Stages  []string  `json:"stages"`
	Created time.Time `json:"created"`
}

type smSecret struct {
	Name        string            `json:"name"`
	ARN         string            `json:"arn"`
	Description string            `json:"description"`
	Created     time.Time         `json:"created"`
	Changed     time.Time         `json:"changed"`
	Versions    []*smVersion      `json:"versions"`
	Tags        []tag             `json:"tags"`
	Tokens      map[string]string `json:"tokens"` // ClientRequestToken → version id
}

func newDatabase() *database {
	db := &database{
		Users:    map[string]*user{},
		Groups:   map[string]*group{},
		Policies: map[string]*policy{},
		Keys:     map[string]*accessKey{},
		Secrets:  map[string]map[string]*smSecret{},
	}
	for _, p := range managedPolicies() {
		db.Policies[p.ARN] = p
	}
	return db
}

// Snapshot encodes the whole account (including key secrets: the caller must protect it).
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(struct {
		AdminKeyID  string    `json:"adminKeyId"`
		AdminSecret string    `json:"adminSecret"`
		DB          *database `json:"db"`
	}{s.opts.AdminKeyID, s.opts.AdminSecret, s.db})
}

// Restore replaces the account with a snapshot.
func (s *Server) Restore(data []byte) error {
	var snap struct {
		AdminKeyID  string    `json:"adminKeyId"`
		AdminSecret string    `json:"adminSecret"`
		DB          *database `json:"db"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := newDatabase()
	for k, v := range snap.DB.Policies {
		fresh.Policies[k] = v
	}
	snap.DB.Policies = fresh.Policies
	s.db = snap.DB
	s.opts.AdminKeyID, s.opts.AdminSecret = snap.AdminKeyID, snap.AdminSecret
	return nil
}
