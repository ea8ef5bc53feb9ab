package wizard

import (
	"context"
	"fmt"
	"os"
	"time"
)

// The interfaces below are what the wizard needs from the outside world. services/ implements
// them on the AWS SDK, the Secret Server SDK and the OS keyring; cmd/ wires them in.

// Identity is who a set of AWS credentials belongs to.
type Identity struct {
	Account string
	ARN     string
	UserID  string
}

// ForeignError says an IAM entity of that name exists and VaultLink did not create it. It is
// used only after the admin agrees (it will then never be deleted by clean-up).
type ForeignError struct {
	Kind string // "user", "group" or "policy"
	Name string
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("IAM %s %q already exists and was not created by VaultLink: use it anyway (it will not be removed by clean-up), or choose another name", e.Kind, e.Name)
}

// CleanupTargets names what clean-up may remove, from the wizard's journal. Users and policies
// are removed only when they carry VaultLink's ownership tag (the service checks); IAM groups
// cannot be tagged, so Groups lists only the groups the journal shows VaultLink created.
type CleanupTargets struct {
	Users      []string
	Groups     []string
	PolicyARNs []string
}

// Entity is an IAM user, group or policy that VaultLink made sure exists.
type Entity struct {
	Name    string
	ARN     string
	Created bool // false: it existed already and was adopted
}

// AccessKey is a newly created access key; the secret half is only ever in a Secret.
type AccessKey struct {
	ID     string
	Secret Secret
}

// KeyMeta describes an existing access key (AWS never returns the secret again).
type KeyMeta struct {
	ID      string
	Status  string
	Created time.Time
}

// KeyLastUsed is when, and by which service, a key was last used; At is zero if never.
type KeyLastUsed struct {
	At      time.Time
	Service string
}

// IAM is the subset of AWS IAM (and STS) the modules use. Ensure* operations adopt what exists
// and create what is missing, so a re-run never duplicates.
type IAM interface {
	CallerIdentity(ctx context.Context) (Identity, error)
	// EnsureUser, EnsureGroup and EnsurePolicy return a *ForeignError for an existing entity
	// VaultLink did not create, unless adopt is true.
	EnsureUser(ctx context.Context, name string, adopt bool) (Entity, error)
	EnsureGroup(ctx context.Context, name string, adopt bool) (Entity, error)
	AddUserToGroup(ctx context.Context, user, group string) error
	GroupMembers(ctx context.Context, group string) ([]string, error)
	AccessKeys(ctx context.Context, user string) ([]KeyMeta, error)
	CreateAccessKey(ctx context.Context, user string) (AccessKey, error)
	// DeleteAccessKey deletes the key and its description tag (gone already counts as done).
	DeleteAccessKey(ctx context.Context, user, keyID string) error
	// SetAccessKeyStatus is iam:UpdateAccessKey: active or inactive (key rotation deactivates
	// the old key before deleting it, as AWS advises).
	SetAccessKeyStatus(ctx context.Context, user, keyID string, active bool) error
	// AccessKeyLastUsed is iam:GetAccessKeyLastUsed (the health check reports it).
	AccessKeyLastUsed(ctx context.Context, id string) (KeyLastUsed, error)
	TagUser(ctx context.Context, user, key, value string) error
	UserTags(ctx context.Context, user string) (map[string]string, error)
	AttachGroupPolicy(ctx context.Context, group, policyARN string) error
	AttachedGroupPolicies(ctx context.Context, group string) ([]string, error)
	EnsurePolicy(ctx context.Context, name, document, description string, adopt bool) (Entity, error)
	PolicyDocument(ctx context.Context, policyARN string) (string, error)
	ManagedPolicyARN(name string) string
	// WaitForKey polls with the new key until AWS accepts it and it can list secrets (IAM
	// propagates keys and permissions with a delay).
	WaitForKey(ctx context.Context, key AccessKey, progress func(string)) (Identity, error)
	// Cleanup removes, in dependency order, what VaultLink created; it reports each removal.
	Cleanup(ctx context.Context, t CleanupTargets, progress func(string)) ([]string, error)
}

// SecretsManager is what the wizard reads on the AWS side to confirm a sync (with the
// operator's credentials).
type SecretsManager interface {
	SecretNames(ctx context.Context) ([]string, error)
	// SecretVersion says which version of a secret is current and when it last changed (never
	// its value), so a push is verified by a new version appearing.
	SecretVersion(ctx context.Context, name string) (SecretVersion, error)
}

// SecretVersion is the current version of a secret in AWS.
type SecretVersion struct {
	Exists      bool
	VersionID   string
	LastChanged time.Time
}

// Newer says whether v is a later version than before (a new version id, or a later change).
func (v SecretVersion) Newer(before SecretVersion) bool {
	if !v.Exists {
		return false
	}
	if !before.Exists {
		return true
	}
	return (v.VersionID != "" && v.VersionID != before.VersionID) || v.LastChanged.After(before.LastChanged)
}

// ServerInfo is what the Secret Server connection probe found.
type ServerInfo struct {
	URL              string
	User             string
	ExternalVaultAPI bool // modules 3 and 6 can both run on the server's API
	Version          string
	Capabilities     Capabilities
	// APIMap is the discovered map of external-vault operations (JSON), to keep with the
	// progress and hand back through APIMapKeeper.
	APIMap []byte
}

// Template is a secret template with its fields.
type Template struct {
	ID     int
	Name   string
	Fields []TemplateField
}

// TemplateField is one field of a secret template.
type TemplateField struct {
	ID          int
	Slug        string
	DisplayName string
	IsPassword  bool
	IsRequired  bool
}

// Folder is a Secret Server folder.
type Folder struct {
	ID   int
	Path string
}

// SecretRef identifies a Secret Server secret.
type SecretRef struct {
	ID         int
	Name       string
	TemplateID int
	FolderID   int
}

// NewSecretServerSecret is what CreateSecret needs; values are keyed by field slug.
type NewSecretServerSecret struct {
	Name       string
	TemplateID int
	FolderID   int
	Fields     []FieldValue
}

// FieldValue is one field of a secret to write.
type FieldValue struct {
	FieldID int
	Slug    string
	Value   Secret
}

// LinkSettings is Secret Server's answer to "which vaults can this credential reach".
type LinkSettings struct {
	Connected   bool
	DefaultName string
	Vaults      []RemoteVault
	Message     string // the server's reason when it cannot connect
}

// RemoteVault is a vault the credential can reach.
type RemoteVault struct {
	Name   string
	Region string
}

// VaultSpec is a new external vault link.
type VaultSpec struct {
	Name               string
	DisplayName        string
	Region             string
	CredentialSecretID int
	Active             bool // "Enabled": push changes to the vault
}

// Vault is an external vault link in Secret Server.
type Vault struct {
	ID                 int
	Name               string
	DisplayName        string
	Region             string
	Type               string
	CredentialSecretID int
	Active             bool
}

// VaultSecret is an external vault secret: a Secret Server secret linked to a secret in AWS.
type VaultSecret struct {
	ID             int
	Name           string // the name in AWS
	LinkedSecretID int
	Active         bool
	LastResult     string
}

// SyncReport is the per-secret outcome of a Pull, Push or Sync.
type SyncReport struct {
	Action string
	Items  []SyncItem
}

// SyncItem is one secret's outcome.
type SyncItem struct {
	Action    string // the operation that moved it: "Pull", "Push" or "Sync"
	Direction string // "pull" or "push"
	Name      string
	OK        bool
	Reason    string
}

// SecretServer is the subset of Secret Server the modules use.
type SecretServer interface {
	Connect(ctx context.Context) (ServerInfo, error)
	FindTemplate(ctx context.Context, name string) (Template, error)
	ResolveFolder(ctx context.Context, path string) (Folder, error)
	Folders(ctx context.Context) ([]Folder, error)
	FindSecret(ctx context.Context, name string, templateID, folderID int) (*SecretRef, error)
	FindSecretByName(ctx context.Context, name string) (*SecretRef, error)
	CreateSecret(ctx context.Context, s NewSecretServerSecret) (SecretRef, error)
	SecretFields(ctx context.Context, id int) (map[string]Secret, error)
	// UpdateSecretFields sets the given fields of an existing secret (key rotation writes the
	// access key and secret key fields); the other fields keep their values.
	UpdateSecretFields(ctx context.Context, id int, fields []FieldValue) error
	LinkSettings(ctx context.Context, credentialSecretID int, region string) (LinkSettings, error)
	Vaults(ctx context.Context) ([]Vault, error)
	CreateVault(ctx context.Context, v VaultSpec) (Vault, error)
	EnsureVaultSecret(ctx context.Context, vaultID, linkedSecretID int, remoteName string) (VaultSecret, error)
	VaultSecrets(ctx context.Context, vaultID int) ([]VaultSecret, error)
	Sync(ctx context.Context, action string, vaultID int) (SyncReport, error)
	DeleteVault(ctx context.Context, id int) error
	DeleteSecret(ctx context.Context, id int) error
}

// Keyring stores secrets in the operating system's keyring.
type Keyring interface {
	Store(ref string, s Secret) error
	Load(ref string) (Secret, error)
	Remove(ref string) error
	// Name says where secrets go, for the admin ("GNOME Keyring (Secret Service)", …).
	Name() string
}

// Connection is the admin's choice of AWS configuration in live mode.
type Connection struct {
	Profile string
	Region  string
}

// SSConnection is the one description of a Secret Server connection, from the command-line
// flags, the plan file and the window's form through to the client. Secrets never come from
// a plan (yaml:"-"): the password and token come from the environment or the keyring.
type SSConnection struct {
	URL      string `yaml:"url"` // on-prem base URL, or empty with Tenant
	Tenant   string `yaml:"tenant"`
	TLD      string `yaml:"tld"`
	Username string `yaml:"username"`
	Domain   string `yaml:"domain"`
	// CACertFile is where CACert was read from (the plan and the flags name a file).
	CACertFile string `yaml:"ca_cert"`
	CACert     []byte `yaml:"-"`
	OTP        string `yaml:"-"` // the current one-time code: only ever typed, never kept
	Password   Secret `yaml:"-"`
	Token      Secret `yaml:"-"`
	Remember   bool   `yaml:"-"` // keep the password in the keyring
	// Timeout bounds each request (0: 30 s), so a server that never answers fails the step
	// with a message instead of holding it.
	Timeout time.Duration `yaml:"-"`
}

// IsSet says whether a server was named at all.
func (c SSConnection) IsSet() bool { return c.URL != "" || c.Tenant != "" }

// LoadCACert reads CACertFile into CACert, when a file is named and not read yet.
func (c *SSConnection) LoadCACert() error {
	if c.CACertFile == "" || len(c.CACert) > 0 {
		return nil
	}
	pem, err := os.ReadFile(c.CACertFile)
	if err != nil {
		return fmt.Errorf("read the Secret Server CA certificate: %w", err)
	}
	c.CACert = pem
	return nil
}

// Connector rebuilds the AWS side for another profile or region, or the Secret Server side for
// another server or sign-in (live mode).
type Connector interface {
	ConnectAWS(ctx context.Context, c Connection) (IAM, SecretsManager, error)
	ConnectSecretServer(ctx context.Context, c SSConnection) (SecretServer, error)
}

// Call is one recorded call (from the audit log) for the report: never a value.
type Call struct {
	Time      time.Time
	System    string
	Operation string
	Target    string
	Outcome   string
	Code      string
	RequestID string
}

// CallLog gives the calls made so far.
type CallLog interface {
	Calls() ([]Call, error)
}

// Services bundles what one wizard run talks to.
type Services struct {
	IAM            IAM
	SecretsManager SecretsManager
	SecretServer   SecretServer
	Keyring        Keyring
	Connector      Connector // nil when the connections cannot be switched (practice mode)
	Calls          CallLog   // nil: the report lists no calls
	Now            func() time.Time
}
