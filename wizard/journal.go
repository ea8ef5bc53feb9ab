package wizard

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EntityKind names a kind of thing VaultLink makes.
type EntityKind string

const (
	KindUser         EntityKind = "iam-user"
	KindGroup        EntityKind = "iam-group"
	KindPolicy       EntityKind = "iam-policy"
	KindAccessKey    EntityKind = "iam-access-key"
	KindKeyringEntry EntityKind = "keyring-entry"
	KindSSSecret     EntityKind = "secret-server-secret"
	KindVaultLink    EntityKind = "external-vault-link"
)

// EntityRef names an entity by kind and name (IAM names are case-insensitive, so names are
// compared without case).
type EntityRef struct {
	Kind EntityKind `json:"kind"`
	Name string     `json:"name"`
}

func (r EntityRef) same(o EntityRef) bool {
	return r.Kind == o.Kind && strings.EqualFold(r.Name, o.Name)
}

// JournalEntry is one entity this progress made (Created) or took over (an existing one the
// admin agreed to use, or one VaultLink's own tag marks as its own).
type JournalEntry struct {
	EntityRef
	ID      string `json:"id,omitempty"`  // access key id, Secret Server id
	ARN     string `json:"arn,omitempty"` // IAM entities
	Created bool   `json:"created"`
	// Intent: VaultLink was about to create it (saved before the create call), and no run has
	// confirmed it since. A rerun adopts a match as VaultLink's; clean-up looks for it by name.
	Intent bool `json:"intent,omitempty"`
	// Before, on an access key intent, lists the user's keys that existed before the create:
	// any other key found later is VaultLink's.
	Before []string  `json:"before,omitempty"`
	At     time.Time `json:"at"`
}

// journalFind returns the entry for ref, if any.
func journalFind(j []JournalEntry, ref EntityRef) (JournalEntry, bool) {
	i := slices.IndexFunc(j, func(e JournalEntry) bool { return e.same(ref) })
	if i < 0 {
		return JournalEntry{}, false
	}
	return j[i], true
}

// journalPut records e, keeping "created" once it was true: adopting on a rerun what this
// progress created earlier must not make clean-up forget that VaultLink made it.
func journalPut(j []JournalEntry, e JournalEntry) []JournalEntry {
	i := slices.IndexFunc(j, func(x JournalEntry) bool { return x.same(e.EntityRef) })
	if i < 0 {
		return append(j, e)
	}
	e.Created = e.Created || j[i].Created
	// An intent stays until the entity is confirmed (created, or adopted as VaultLink's).
	e.Intent = e.Intent && !e.Created
	if e.ID == "" {
		e.ID = j[i].ID
	}
	if e.ARN == "" {
		e.ARN = j[i].ARN
	}
	j[i] = e
	return j
}

// journalEntries returns the entries of one kind, in the order they were recorded.
func journalEntries(j []JournalEntry, kind EntityKind) []JournalEntry {
	var out []JournalEntry
	for _, e := range j {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// migrateV1 reads a version 1 state file, whose outputs were one string map ("created:…" and
// "consent:…" keys for the journal, "id:slug" template fields, "yes"/"no" flags).
func migrateV1(data []byte) (*State, error) {
	var v1 struct {
		Settings  map[string]string      `json:"settings"`
		Outputs   map[string]string      `json:"outputs"`
		Steps     map[string]StepRecord  `json:"steps"`
		Checks    map[string]CheckRecord `json:"checks"`
		UpdatedAt time.Time              `json:"updatedAt"`
	}
	if err := json.Unmarshal(data, &v1); err != nil {
		return nil, err
	}
	st := newState()
	if v1.Settings != nil {
		st.Settings = v1.Settings
	}
	if v1.Steps != nil {
		st.Steps = v1.Steps
	}
	if v1.Checks != nil {
		st.Checks = v1.Checks
	}
	st.UpdatedAt = v1.UpdatedAt
	o := v1.Outputs
	num := func(k string) int { n, _ := strconv.Atoi(o[k]); return n }
	field := func(k string) FieldRef {
		id, slug, _ := strings.Cut(o[k], ":")
		n, _ := strconv.Atoi(id)
		return FieldRef{ID: n, Slug: slug}
	}
	p := &st.Progress
	p.AccountID, p.CallerARN, p.UserName, p.UserARN = o["account_id"], o["caller_arn"], o["user_name"], o["user_arn"]
	p.AccessKeyID, p.KeyringRef, p.GroupName = o["access_key_id"], o["keyring_ref"], o["group_name"]
	p.ManagedPolicyARN, p.PolicyDocument, p.PolicyARN = o["managed_policy_arn"], o["policy_document"], o["policy_arn"]
	p.SecretServerURL, p.Region = o["ss_url"], o["region"]
	switch o["ss_external_vault_api"] {
	case "yes":
		p.VaultAPI = APIOffered
	case "no":
		p.VaultAPI = APIAbsent
	}
	if o["template_id"] != "" {
		p.Template = TemplateUse{ID: num("template_id"), Username: field("field_username"), AccessKey: field("field_access_key"), SecretKey: field("field_secret_key")}
	}
	p.FolderID, p.SecretID = num("folder_id"), num("secret_id")
	p.Connected = o["vault_connected"] == "true"
	if o["vault_id"] != "" || o["vault_name"] != "" {
		p.Vault = VaultLinkUse{ID: num("vault_id"), Name: o["vault_name"]}
	}
	// The v1 journal knew only "created" flags; what the outputs name was used by the run.
	kinds := map[string]EntityKind{"user": KindUser, "group": KindGroup, "policy": KindPolicy, "secret": KindSSSecret, "vault": KindVaultLink}
	for k, v := range o {
		kind, name, ok := strings.Cut(strings.TrimPrefix(k, "created:"), ":")
		if strings.HasPrefix(k, "consent:") {
			kind, name, _ = strings.Cut(strings.TrimPrefix(k, "consent:"), ":")
			if ek, known := kinds[kind]; known && v == "yes" {
				st.Consents = append(st.Consents, EntityRef{ek, name})
			}
			continue
		}
		if !strings.HasPrefix(k, "created:") || !ok || v != "yes" {
			continue
		}
		e := JournalEntry{EntityRef: EntityRef{kinds[kind], name}, Created: true, At: v1.UpdatedAt}
		switch e.Kind {
		case KindSSSecret:
			e.ID = o["secret_id"]
		case KindVaultLink:
			e.Name, _, _ = strings.Cut(name, "@")
			e.ID = o["vault_id"]
		case "":
			continue
		}
		st.Journal = journalPut(st.Journal, e)
	}
	if p.UserName != "" {
		st.Journal = journalPut(st.Journal, JournalEntry{EntityRef: EntityRef{KindUser, p.UserName}, ARN: p.UserARN, At: v1.UpdatedAt})
	}
	if p.PolicyARN != "" {
		st.Journal = journalPut(st.Journal, JournalEntry{EntityRef: EntityRef{KindPolicy, policyNameFromARN(p.PolicyARN)}, ARN: p.PolicyARN, At: v1.UpdatedAt})
	}
	if p.KeyringRef != "" {
		st.Journal = journalPut(st.Journal, JournalEntry{EntityRef: EntityRef{KindKeyringEntry, p.KeyringRef}, Created: true, At: v1.UpdatedAt})
	}
	slices.SortStableFunc(st.Journal, func(a, b JournalEntry) int { return strings.Compare(string(a.Kind), string(b.Kind)) })
	return st, nil
}

func policyNameFromARN(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
