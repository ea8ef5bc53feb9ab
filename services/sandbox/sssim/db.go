package sssim

import (
	"encoding/json"
	"time"
)

type templateField struct {
	SecretTemplateFieldID int    `json:"secretTemplateFieldId"`
	FieldSlugName         string `json:"fieldSlugName"`
	DisplayName           string `json:"displayName"`
	Name                  string `json:"name"`
	Description           string `json:"description"`
	IsPassword            bool   `json:"isPassword"`
	IsRequired            bool   `json:"isRequired"`
	IsFile                bool   `json:"isFile"`
	IsNotes               bool   `json:"isNotes"`
	IsURL                 bool   `json:"isUrl"`
	IsList                bool   `json:"isList"`
	ListType              string `json:"listType"`
	SortOrder             int    `json:"sortOrder"`
}

type template struct {
	ID             int             `json:"id"`
	Name           string          `json:"name"`
	Active         bool            `json:"active"`
	PasswordTypeID int             `json:"passwordTypeId"`
	Fields         []templateField `json:"fields"`
}

type folder struct {
	ID             int    `json:"id"`
	FolderName     string `json:"folderName"`
	FolderPath     string `json:"folderPath"`
	ParentFolderID int    `json:"parentFolderId"`
	FolderTypeID   int    `json:"folderTypeId"`
}

type item struct {
	ItemID     int    `json:"itemId"`
	FieldID    int    `json:"fieldId"`
	FieldName  string `json:"fieldName"`
	Slug       string `json:"slug"`
	ItemValue  string `json:"itemValue"`
	IsPassword bool   `json:"isPassword"`
	IsFile     bool   `json:"isFile"`
	IsNotes    bool   `json:"isNotes"`
}

type secret struct {
	ID                 int    `json:"id"`
	Name               string `json:"name"`
	FolderID           int    `json:"folderId"`
	SiteID             int    `json:"siteId"`
	SecretTemplateID   int    `json:"secretTemplateId"`
	SecretTemplateName string `json:"secretTemplateName"`
	Active             bool   `json:"active"`
	Items              []item `json:"items"`
}

type vault struct {
	ID                 int        `json:"id"`
	Name               string     `json:"name"`
	DisplayName        string     `json:"displayName"`
	ExternalVaultType  string     `json:"externalVaultType"`
	Active             bool       `json:"active"`
	CredentialSecretID int        `json:"credentialSecretId"`
	SiteID             int        `json:"siteId"`
	Region             string     `json:"region"`
	SecretRegex        string     `json:"secretRegex"`
	LastPullDate       *time.Time `json:"lastPullDate"`
}

type vaultSecret struct {
	ID              int        `json:"id"`
	Name            string     `json:"name"`
	ExternalVaultID int        `json:"externalVaultId"`
	LinkedSecretID  int        `json:"linkedSecretId"`
	Transform       string     `json:"transform"`
	Active          bool       `json:"active"`
	LastPushResult  string     `json:"lastPushResult"`
	LastPullDate    *time.Time `json:"lastPullDate"`
}

type database struct {
	Templates    []*template          `json:"templates"`
	Folders      []*folder            `json:"folders"`
	Secrets      map[int]*secret      `json:"secrets"`
	Vaults       map[int]*vault       `json:"vaults"`
	VaultSecrets map[int]*vaultSecret `json:"vaultSecrets"`
	NextID       int                  `json:"nextId"`
	Tokens       map[string]time.Time `json:"-"` // token → expiry; never persisted
}

// The practice server's ids, fixed so practice runs read alike.
const (
	amazonIAMKeyTemplateID = 6034
	passwordTemplateID     = 2
	practiceFolderID       = 7
	PracticePushSecret     = "VaultLink-Practice-Push"
)

func newDatabase() *database {
	db := &database{
		Secrets: map[int]*secret{}, Vaults: map[int]*vault{}, VaultSecrets: map[int]*vaultSecret{},
		NextID: 100, Tokens: map[string]time.Time{},
		Templates: []*template{
			{ID: amazonIAMKeyTemplateID, Name: "Amazon IAM Key", Active: true, PasswordTypeID: 31, Fields: []templateField{
				{SecretTemplateFieldID: 301, FieldSlugName: "username", DisplayName: "Username", Name: "Username", Description: "The IAM user name.", IsRequired: true, SortOrder: 1},
				{SecretTemplateFieldID: 302, FieldSlugName: "access-key", DisplayName: "Access Key", Name: "Access Key", Description: "The AWS access key ID.", IsRequired: true, SortOrder: 2},
				{SecretTemplateFieldID: 303, FieldSlugName: "secret-key", DisplayName: "Secret Key", Name: "Secret Key", Description: "The AWS secret access key.", IsRequired: true, IsPassword: true, SortOrder: 3},
				{SecretTemplateFieldID: 304, FieldSlugName: "notes", DisplayName: "Notes", Name: "Notes", IsNotes: true, SortOrder: 4},
			}},
			{ID: passwordTemplateID, Name: "Password", Active: true, PasswordTypeID: 1, Fields: []templateField{
				{SecretTemplateFieldID: 101, FieldSlugName: "resource", DisplayName: "Resource", Name: "Resource", SortOrder: 1},
				{SecretTemplateFieldID: 102, FieldSlugName: "username", DisplayName: "Username", Name: "Username", SortOrder: 2},
				{SecretTemplateFieldID: 103, FieldSlugName: "password", DisplayName: "Password", Name: "Password", IsPassword: true, IsRequired: true, SortOrder: 3},
				{SecretTemplateFieldID: 104, FieldSlugName: "notes", DisplayName: "Notes", Name: "Notes", IsNotes: true, SortOrder: 4},
			}},
			{ID: 9, Name: "Web Password", Active: true, Fields: []templateField{
				{SecretTemplateFieldID: 91, FieldSlugName: "url", DisplayName: "URL", Name: "URL", IsURL: true},
				{SecretTemplateFieldID: 92, FieldSlugName: "username", DisplayName: "Username", Name: "Username"},
				{SecretTemplateFieldID: 93, FieldSlugName: "password", DisplayName: "Password", Name: "Password", IsPassword: true},
			}},
			{ID: 6003, Name: "SSH Key", Active: true, Fields: []templateField{
				{SecretTemplateFieldID: 601, FieldSlugName: "private-key", DisplayName: "Private Key", Name: "Private Key", IsFile: true},
			}},
		},
		Folders: []*folder{
			{ID: practiceFolderID, FolderName: "VaultLink Practice", FolderPath: `\VaultLink Practice`, ParentFolderID: -1, FolderTypeID: 1},
			{ID: 8, FolderName: "AWS", FolderPath: `\VaultLink Practice\AWS`, ParentFolderID: practiceFolderID, FolderTypeID: 1},
		},
	}
	return db
}

func (db *database) nextID() int {
	db.NextID++
	return db.NextID
}

func (db *database) template(id int) *template {
	for _, t := range db.Templates {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (db *database) folder(id int) *folder {
	for _, f := range db.Folders {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// SeedSecret adds a secret from the Password template (practice content for Push).
func (s *Server) SeedSecret(name, username, password string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range s.db.Secrets {
		if sec.Name == name {
			return sec.ID
		}
	}
	t := s.db.template(passwordTemplateID)
	sec := &secret{ID: s.db.nextID(), Name: name, FolderID: practiceFolderID, SiteID: 1, SecretTemplateID: t.ID, SecretTemplateName: t.Name, Active: true}
	values := map[string]string{"resource": "practice", "username": username, "password": password}
	for _, f := range t.Fields {
		sec.Items = append(sec.Items, item{ItemID: s.db.nextID(), FieldID: f.SecretTemplateFieldID, FieldName: f.Name, Slug: f.FieldSlugName, ItemValue: values[f.FieldSlugName], IsPassword: f.IsPassword, IsNotes: f.IsNotes})
	}
	s.db.Secrets[sec.ID] = sec
	return sec.ID
}

// Snapshot encodes the server's data (secret values included: the caller must protect it).
// Tokens are not kept: a restored server asks clients to sign in again.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(s.db)
}

// Restore replaces the server's data with a snapshot.
func (s *Server) Restore(data []byte) error {
	db := newDatabase()
	if err := json.Unmarshal(data, db); err != nil {
		return err
	}
	db.Tokens = map[string]time.Time{}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db = db
	return nil
}
