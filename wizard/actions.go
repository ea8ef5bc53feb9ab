package wizard

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// An action is the live work behind a step: preview says what will happen, run does it
// (adopting what exists), verifies it by reading back, and returns the record.
type action struct {
	preview func(r *run) []string
	run     func(ctx context.Context, r *run) (StepRecord, error)
	// manual, for external-vault steps, is the guided fallback when the server has no
	// external-vault API: the click path, then confirm verifies what can be verified.
	manual  func(r *run) ManualStep
	confirm func(ctx context.Context, r *run) (StepRecord, error)
}

// run is the context one action invocation works in.
type run struct {
	s        *Session
	ref      StepRef
	progress func(string)
}

func (s *Session) newRun(ref StepRef, progress func(string)) *run {
	if progress == nil {
		progress = func(string) {}
	}
	return &run{s: s, ref: ref, progress: progress}
}

func (r *run) set(name string) string { return r.s.Setting(name) }
func (r *run) out(name string) string { return r.s.Output(name) }
func (r *run) save(kv map[string]string) error {
	return r.s.setOutputs(kv)
}
func (r *run) svc() Services {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.s.svc
}

// adopt says whether an existing entity may be used: the admin agreed (per entity, or with the
// plan's adopt_existing), or the wizard's journal shows VaultLink created it.
func (r *run) adopt(kind, name string) bool {
	return r.set("adopt_existing") == "yes" || r.out(consentKey(kind, name)) == "yes" || r.out(createdKey(kind, name)) == "yes"
}

// consentKey and createdKey name the journal entries in the state's outputs.
func consentKey(kind, name string) string { return "consent:" + kind + ":" + strings.ToLower(name) }
func createdKey(kind, name string) string { return "created:" + kind + ":" + strings.ToLower(name) }

// journal records that VaultLink created an entity, so a later run adopts it without asking
// and clean-up may remove it.
func (r *run) journal(kind string, e Entity) error {
	if !e.Created {
		return nil
	}
	return r.save(map[string]string{createdKey(kind, e.Name): "yes"})
}

// need returns an output an earlier step recorded, or explains which step to run first.
func (r *run) need(name, step string) (string, error) {
	v := r.out(name)
	if v == "" {
		return "", fmt.Errorf("%s is not known yet: run %q first", strings.ReplaceAll(name, "_", " "), step)
	}
	return v, nil
}

func (r *run) needInt(name, step string) (int, error) {
	v, err := r.need(name, step)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// Output names shared between steps.
const (
	outAccount     = "account_id"
	outCaller      = "caller_arn"
	outUserName    = "user_name"
	outUserARN     = "user_arn"
	outGroupName   = "group_name"
	outKeyID       = "access_key_id"
	outKeyringRef  = "keyring_ref"
	outTemplateID  = "template_id"
	outFieldUser   = "field_username"
	outFieldKey    = "field_access_key"
	outFieldSecret = "field_secret_key"
	outFolderID    = "folder_id"
	outSecretID    = "secret_id"
	outConnected   = "vault_connected"
	outVaultID     = "vault_id"
	outVaultName   = "vault_name"
	outPolicyDoc   = "policy_document"
	outPolicyARN   = "policy_arn"
	outRegion      = "region"
	outManagedARN  = "managed_policy_arn"
	outVaultAPI    = "ss_external_vault_api"
	outSSURL       = "ss_url"
)

// KeyringRef is the keyring entry name for an access key's secret.
func KeyringRef(user, keyID string) string { return "aws/" + user + "/" + keyID }

// MaskKeyID shows enough of an access key id to recognise it, never all of it.
func MaskKeyID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("•", len(id))
	}
	return id[:4] + strings.Repeat("•", len(id)-8) + id[len(id)-4:]
}

var actions = map[string]action{
	"iam.create-user":           {preview: previewCreateUser, run: runCreateUser},
	"iam.add-user-to-group":     {preview: previewGroup(true), run: runAddUserToGroup},
	"iam.create-access-key":     {preview: previewAccessKey, run: runCreateAccessKey},
	"ss.find-template":          {preview: previewTemplate, run: runFindTemplate},
	"ss.create-secret":          {preview: previewCreateSecret, run: runCreateSecret},
	"ss.check-vault-connection": {preview: previewConnection, run: runCheckConnection, manual: manualConnection, confirm: confirmConnection},
	"ss.create-vault-link":      {preview: previewVaultLink, run: runCreateVaultLink, manual: manualVaultLink, confirm: confirmVaultLink},
	"iam.ensure-group":          {preview: previewGroup(false), run: runEnsureGroup},
	"iam.attach-group-policy":   {preview: previewAttachGroupPolicy, run: runAttachGroupPolicy},
	"policy.draft":              {preview: previewDraftPolicy, run: runDraftPolicy},
	"iam.ensure-policy":         {preview: previewEnsurePolicy, run: runEnsurePolicy},
	"iam.attach-custom-policy":  {preview: previewAttachCustom, run: runAttachCustom},
	"ss.list-vaults":            {preview: previewListVaults, run: runListVaults, manual: manualListVaults, confirm: confirmByAdmin("The vault is in the External Vaults list")},
	"ss.sync":                   {preview: previewSync, run: runSync, manual: manualSync, confirm: confirmSync},
}

// ---- Module 1 ----

func previewCreateUser(r *run) []string {
	return []string{
		"sts:GetCallerIdentity: show which AWS identity makes the changes",
		fmt.Sprintf("iam:GetUser %q, and iam:CreateUser if it does not exist (tagged as created by VaultLink)", r.set("user_name")),
		"iam:GetUser again to read the user back",
	}
}

func runCreateUser(ctx context.Context, r *run) (StepRecord, error) {
	iam := r.svc().IAM
	r.progress("Checking who you are signed in as")
	id, err := iam.CallerIdentity(ctx)
	if err != nil {
		return StepRecord{}, err
	}
	name := r.set("user_name")
	r.progress("Creating IAM user " + name)
	user, err := iam.EnsureUser(ctx, name, r.adopt("user", name))
	if err != nil {
		return StepRecord{}, err
	}
	if err := r.journal("user", user); err != nil {
		return StepRecord{}, err
	}
	if err := r.save(map[string]string{outAccount: id.Account, outCaller: id.ARN, outUserName: user.Name, outUserARN: user.ARN}); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: adoptedOr(user.Created, "Created IAM user "+user.Name, "IAM user "+user.Name+" already existed and was adopted"),
		Facts:   []Fact{{"Acting as", id.ARN}, {"Account", id.Account}, {"User ARN", user.ARN}},
	}, nil
}

func adoptedOr(created bool, made, adopted string) string {
	if created {
		return made
	}
	return adopted
}

func previewGroup(withUser bool) func(r *run) []string {
	return func(r *run) []string {
		lines := []string{fmt.Sprintf("iam:GetGroup %q, and iam:CreateGroup if it does not exist", r.set("group_name"))}
		switch r.set("group_policy") {
		case "managed":
			lines = append(lines, "iam:AttachGroupPolicy SecretsManagerReadWrite (AWS managed) to the group")
		case "custom":
			lines = append(lines, "no broad policy: the least-privilege policy of module 5 is created and attached to the group")
		}
		if withUser || r.out(outUserName) != "" {
			lines = append(lines, fmt.Sprintf("iam:AddUserToGroup %q → %q, then iam:GetGroup to confirm membership", r.set("user_name"), r.set("group_name")))
		}
		return lines
	}
}

// ensureGroupSettings makes the group match module 4's settings. Module 1 calls it when the
// user needs a group before module 4 runs, and module 4 calls it again to confirm.
func ensureGroupSettings(ctx context.Context, r *run) (Entity, []Fact, error) {
	iam := r.svc().IAM
	name := r.set("group_name")
	r.progress("Making sure IAM group " + name + " exists")
	group, err := ensureGroupCrashSafe(ctx, r, name)
	if err != nil {
		return Entity{}, nil, err
	}
	facts := []Fact{{"Group", group.Name}, {"Group ARN", group.ARN}}
	kv := map[string]string{outGroupName: group.Name}
	var want string
	switch r.set("group_policy") {
	case "managed":
		want = iam.ManagedPolicyARN(r.s.guide.Defaults["managed_policy"])
		kv[outManagedARN] = want
	case "custom":
		pol, err := ensureCustomPolicy(ctx, r)
		if err != nil {
			return Entity{}, nil, err
		}
		want = pol.ARN
	}
	r.progress("Attaching " + want)
	if err := iam.AttachGroupPolicy(ctx, group.Name, want); err != nil {
		return Entity{}, nil, err
	}
	attached, err := iam.AttachedGroupPolicies(ctx, group.Name)
	if err != nil {
		return Entity{}, nil, err
	}
	if !slices.Contains(attached, want) {
		return Entity{}, nil, fmt.Errorf("verify: %s is not attached to group %s after attaching it", want, group.Name)
	}
	facts = append(facts, Fact{"Attached policies", strings.Join(attached, ", ")})
	return group, facts, r.save(kv)
}

func runAddUserToGroup(ctx context.Context, r *run) (StepRecord, error) {
	user, err := r.need(outUserName, "Create the IAM user")
	if err != nil {
		return StepRecord{}, err
	}
	group, facts, err := ensureGroupSettings(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	if err := addAndVerifyMember(ctx, r, user, group.Name); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{Summary: fmt.Sprintf("%s is a member of %s", user, group.Name), Facts: facts}, nil
}

func addAndVerifyMember(ctx context.Context, r *run, user, group string) error {
	iam := r.svc().IAM
	r.progress("Adding " + user + " to " + group)
	if err := iam.AddUserToGroup(ctx, user, group); err != nil {
		return err
	}
	members, err := iam.GroupMembers(ctx, group)
	if err != nil {
		return err
	}
	if !slices.Contains(members, user) {
		return fmt.Errorf("verify: %s is not listed as a member of %s", user, group)
	}
	return nil
}

func previewAccessKey(r *run) []string {
	return []string{
		"Use case: Third-Party Service (a console choice only; the API has no field for it)",
		fmt.Sprintf("iam:ListAccessKeys %q (a user may have at most 2 keys) and compare them with %s: a key VaultLink made whose secret is there is reused; one whose secret was lost (an interrupted run) is deleted only after you agree", r.set("user_name"), r.svc().Keyring.Name()),
		"iam:CreateAccessKey: the secret access key goes straight into " + r.svc().Keyring.Name() + " and is never shown",
		fmt.Sprintf("iam:TagUser key=<new key id> value=%q (the console's description tag)", r.set("description_tag")),
		"sts:GetCallerIdentity with the new key until AWS accepts it (new keys take a few seconds to work)",
	}
}

func runCreateAccessKey(ctx context.Context, r *run) (StepRecord, error) {
	iam, kr := r.svc().IAM, r.svc().Keyring
	user, err := r.need(outUserName, "Create the IAM user")
	if err != nil {
		return StepRecord{}, err
	}
	keys, err := iam.AccessKeys(ctx, user)
	if err != nil {
		return StepRecord{}, err
	}
	// Reconcile first: reuse a key whose secret is in the keyring, deal with orphans, drop
	// stale keyring entries (reconcile.go).
	rec, err := reconcileKeys(ctx, r, user, keys)
	if err != nil {
		return StepRecord{}, err
	}
	for _, n := range rec.notices {
		r.progress(n)
	}
	var key AccessKey
	adopted := rec.reuse != nil
	if adopted {
		key = *rec.reuse
		r.progress("Reusing access key " + MaskKeyID(key.ID) + " from " + kr.Name())
		if err := r.save(map[string]string{outKeyID: key.ID, outKeyringRef: KeyringRef(user, key.ID), intentKey("access-key", user): ""}); err != nil {
			return StepRecord{}, err
		}
	} else {
		key, err = createKeyIntoKeyring(ctx, r, user, rec.live)
		if err != nil {
			return StepRecord{}, err
		}
	}
	desc := r.set("description_tag")
	if err := iam.TagUser(ctx, user, key.ID, desc); err != nil {
		return StepRecord{}, fmt.Errorf("the key works but its description tag could not be set: %w", err)
	}
	r.progress("Waiting until AWS accepts the new key")
	who, err := iam.WaitForKey(ctx, key, r.progress)
	if err != nil {
		return StepRecord{}, err
	}
	if want := r.out(outUserARN); want != "" && who.ARN != want {
		return StepRecord{}, fmt.Errorf("verify: the new key signs in as %s, expected %s", who.ARN, want)
	}
	tags, err := iam.UserTags(ctx, user)
	if err != nil {
		return StepRecord{}, err
	}
	if tags[key.ID] != desc {
		return StepRecord{}, fmt.Errorf("verify: the description tag of key %s reads %q, expected %q", MaskKeyID(key.ID), tags[key.ID], desc)
	}
	stored, err := kr.Load(r.out(outKeyringRef))
	if err != nil || !stored.Equal(key.Secret) {
		return StepRecord{}, fmt.Errorf("verify: the secret in %s does not match the new key (%v)", kr.Name(), err)
	}
	summary := adoptedOr(!adopted, "Access key created and stored in "+kr.Name(), "Access key reused from "+kr.Name())
	if len(rec.notices) > 0 {
		summary += "; " + strings.Join(rec.notices, "; ")
	}
	return StepRecord{
		Summary: summary,
		Facts: []Fact{
			{"Access key ID", MaskKeyID(key.ID)},
			{"Secret access key", "stored in " + kr.Name() + " (never shown)"},
			{"Description tag", desc},
			{"Signs in as", who.ARN},
		},
	}, nil
}

// ---- Module 2 ----

func previewTemplate(r *run) []string {
	return []string{
		"GET /api/v1/healthcheck and the signed-in user: confirm the Secret Server connection",
		fmt.Sprintf("GET /api/v1/secret-templates?filter.searchText=%s, then pick the exact name", r.set("template_name")),
		"GET /api/v1/secret-templates/{id}: read the field ids and slugs of user name, access key and secret key",
		"resolve the folder " + orDefault(r.set("folder"), "(default folder)"),
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// Field roles of the Amazon IAM Key template, matched by slug first, then display name, because
// the slugs are not published and differ between servers.
var templateRoles = []struct {
	out    string
	slugs  []string
	labels []string
}{
	{outFieldUser, []string{"username", "user-name"}, []string{"username", "user name"}},
	{outFieldKey, []string{"access-key", "access-key-id", "accesskey"}, []string{"access key", "access key id"}},
	{outFieldSecret, []string{"secret-key", "secret-access-key", "secretkey"}, []string{"secret key", "secret access key"}},
}

func resolveTemplateFields(t Template) (map[string]TemplateField, error) {
	found := map[string]TemplateField{}
	for _, role := range templateRoles {
		for _, f := range t.Fields {
			if slices.Contains(role.slugs, strings.ToLower(f.Slug)) {
				found[role.out] = f
				break
			}
		}
		if _, ok := found[role.out]; ok {
			continue
		}
		for _, f := range t.Fields {
			if slices.Contains(role.labels, strings.ToLower(f.DisplayName)) {
				found[role.out] = f
				break
			}
		}
		if _, ok := found[role.out]; !ok {
			return nil, fmt.Errorf("template %q has no field for the %s (looked for slugs %s): check the template in Secret Server", t.Name, role.labels[0], strings.Join(role.slugs, ", "))
		}
	}
	return found, nil
}

func runFindTemplate(ctx context.Context, r *run) (StepRecord, error) {
	ss := r.svc().SecretServer
	r.progress("Connecting to Secret Server")
	info, err := ss.Connect(ctx)
	if err != nil {
		return StepRecord{}, err
	}
	r.progress("Looking up the template")
	t, err := ss.FindTemplate(ctx, r.set("template_name"))
	if err != nil {
		return StepRecord{}, err
	}
	fields, err := resolveTemplateFields(t)
	if err != nil {
		return StepRecord{}, err
	}
	folder, err := ss.ResolveFolder(ctx, r.set("folder"))
	if err != nil {
		return StepRecord{}, err
	}
	api := "no"
	if info.ExternalVaultAPI {
		api = "yes"
	}
	kv := map[string]string{outTemplateID: strconv.Itoa(t.ID), outFolderID: strconv.Itoa(folder.ID), outVaultAPI: api, outSSURL: info.URL}
	var names []string
	for k, f := range fields {
		kv[k] = strconv.Itoa(f.ID) + ":" + f.Slug
		names = append(names, f.DisplayName)
	}
	slices.Sort(names)
	if err := r.save(kv); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: fmt.Sprintf("Template %q found (id %d)", t.Name, t.ID),
		Facts: []Fact{
			{"Secret Server", info.URL},
			{"Signed in as", info.User},
			{"Template fields used", strings.Join(names, ", ")},
			{"Folder", orDefault(folder.Path, "default")},
			{"External-vault API", map[string]string{"yes": "found in the server's API description", "no": "not offered: modules 3 and 6 are guided steps in the web console"}[api]},
		},
	}, nil
}

func previewCreateSecret(r *run) []string {
	return []string{
		fmt.Sprintf("look for an existing secret %q in the folder (it is reused, never duplicated)", r.set("secret_name")),
		"read the secret access key from " + r.svc().Keyring.Name() + " (in memory only)",
		"POST /api/v1/secrets with the user name, access key ID and secret access key",
		"GET /api/v1/secrets/{id}: read it back and compare every field with what was sent",
	}
}

func splitField(v string) (int, string) {
	id, slug, _ := strings.Cut(v, ":")
	n, _ := strconv.Atoi(id)
	return n, slug
}

func runCreateSecret(ctx context.Context, r *run) (StepRecord, error) {
	ss, kr := r.svc().SecretServer, r.svc().Keyring
	tid, err := r.needInt(outTemplateID, "Choose the Amazon IAM Key template")
	if err != nil {
		return StepRecord{}, err
	}
	user, err := r.need(outUserName, "Create the IAM user (module 1)")
	if err != nil {
		return StepRecord{}, err
	}
	keyID, err := r.need(outKeyID, "Create the access key (module 1)")
	if err != nil {
		return StepRecord{}, err
	}
	folderID, _ := strconv.Atoi(r.out(outFolderID))
	secretKey, err := kr.Load(r.out(outKeyringRef))
	if err != nil {
		return StepRecord{}, fmt.Errorf("the secret access key is not in %s (%v): run module 1's access key step again", kr.Name(), err)
	}
	want := map[string]Secret{
		r.out(outFieldUser):   NewSecret(user),
		r.out(outFieldKey):    NewSecret(keyID),
		r.out(outFieldSecret): secretKey,
	}
	name := r.set("secret_name")
	existing, err := ss.FindSecret(ctx, name, tid, folderID)
	if err != nil {
		return StepRecord{}, err
	}
	ref := SecretRef{}
	created := false
	if existing != nil {
		ref = *existing
		r.progress("Found existing secret " + name)
		if r.intended("secret", name) {
			// An earlier run was stopped right after creating it: it is VaultLink's.
			if err := r.settle("secret", name); err != nil {
				return StepRecord{}, err
			}
			created = true
		}
	} else {
		// Saved before the create, so a crash right after it still knows the secret is ours.
		if err := r.intend("secret", name, ""); err != nil {
			return StepRecord{}, err
		}
		var fields []FieldValue
		for _, k := range []string{outFieldUser, outFieldKey, outFieldSecret} {
			id, slug := splitField(r.out(k))
			fields = append(fields, FieldValue{FieldID: id, Slug: slug, Value: want[r.out(k)]})
		}
		r.progress("Creating secret " + name)
		ref, err = ss.CreateSecret(ctx, NewSecretServerSecret{Name: name, TemplateID: tid, FolderID: folderID, Fields: fields})
		if err != nil {
			return StepRecord{}, err
		}
		created = true
		if err := r.save(map[string]string{outSecretID: strconv.Itoa(ref.ID), createdKey("secret", name): "yes", intentKey("secret", name): ""}); err != nil {
			return StepRecord{}, err
		}
	}
	got, err := ss.SecretFields(ctx, ref.ID)
	if err != nil {
		return StepRecord{}, err
	}
	for k, label := range map[string]string{outFieldUser: "user name", outFieldKey: "access key ID", outFieldSecret: "secret access key"} {
		_, slug := splitField(r.out(k))
		if !got[slug].Equal(want[r.out(k)]) {
			if created {
				return StepRecord{}, fmt.Errorf("verify: the secret's %s does not match what was sent", label)
			}
			return StepRecord{}, fmt.Errorf("a secret named %q already exists but its %s differs from module 1's key: choose another secret name, or update or delete that secret in Secret Server", name, label)
		}
	}
	if err := r.save(map[string]string{outSecretID: strconv.Itoa(ref.ID)}); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: adoptedOr(created, fmt.Sprintf("Secret %q created (id %d)", name, ref.ID), fmt.Sprintf("Secret %q already existed with the same values (id %d)", name, ref.ID)),
		Facts: []Fact{
			{"Secret", fmt.Sprintf("%s (id %d)", name, ref.ID)},
			{"Template", r.set("template_name")},
			{"Username", user},
			{"Access key", MaskKeyID(keyID)},
			{"Secret key", "copied from " + kr.Name() + "; matches (compared in memory)"},
		},
	}, nil
}

// ---- Module 3 ----

func previewConnection(r *run) []string {
	return []string{
		"ask Secret Server for the link settings of type AWS Secrets Manager with the module 2 secret as the credential",
		"show Connected when Secret Server reaches AWS with it, or the server's reason when it cannot",
		"region: " + r.set("region"),
	}
}

func runCheckConnection(ctx context.Context, r *run) (StepRecord, error) {
	secretID, err := r.needInt(outSecretID, "Create the secret (module 2)")
	if err != nil {
		return StepRecord{}, err
	}
	region := r.set("region")
	r.progress("Asking Secret Server which AWS vaults the credential reaches")
	ls, err := r.svc().SecretServer.LinkSettings(ctx, secretID, region)
	if err != nil {
		return StepRecord{}, err
	}
	if !ls.Connected {
		return StepRecord{Facts: []Fact{{"Connection", "Not connected"}}}, fmt.Errorf("secret server could not connect to AWS with the module 2 credential: %s", orDefault(ls.Message, "no reason given"))
	}
	var vaults []string
	for _, v := range ls.Vaults {
		vaults = append(vaults, v.Name+" ("+v.Region+")")
	}
	if err := r.save(map[string]string{outConnected: "true", outRegion: region}); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: "Connected",
		Facts:   []Fact{{"Connection", "● Connected"}, {"Vaults available", strings.Join(vaults, ", ")}, {"Enabled (push)", r.set("enabled")}},
	}, nil
}

func previewVaultLink(r *run) []string {
	lines := []string{"look for an existing vault link with the same name and region (it is reused)"}
	if r.set("input_type") == "manual" {
		lines = append(lines, fmt.Sprintf("Manual Entry: vault %q, display name %q, region %s", r.set("vault_name"), r.set("display_name"), r.set("region")))
	} else {
		lines = append(lines, "Automatic List: choose the listed vault in "+r.set("region"))
	}
	return append(lines, "create the external vault link (type AWS Secrets Manager, Enabled="+r.set("enabled")+"), then read it back")
}

func runCreateVaultLink(ctx context.Context, r *run) (StepRecord, error) {
	ss := r.svc().SecretServer
	secretID, err := r.needInt(outSecretID, "Create the secret (module 2)")
	if err != nil {
		return StepRecord{}, err
	}
	region := r.set("region")
	name := strings.TrimSpace(r.set("vault_name"))
	if r.set("input_type") == "manual" {
		if name == "" {
			return StepRecord{}, fmt.Errorf("manual entry needs the vault name exactly as AWS spells it")
		}
	} else {
		ls, err := ss.LinkSettings(ctx, secretID, region)
		if err != nil {
			return StepRecord{}, err
		}
		if !ls.Connected {
			return StepRecord{}, fmt.Errorf("not connected: %s", orDefault(ls.Message, "Secret Server gave no reason"))
		}
		var pick *RemoteVault
		for i, v := range ls.Vaults {
			if v.Region == region && (name == "" || v.Name == name) {
				pick = &ls.Vaults[i]
				break
			}
		}
		if pick == nil {
			return StepRecord{}, fmt.Errorf("secret server lists no vault in %s for this credential: choose another region or use manual entry", region)
		}
		name = pick.Name
	}
	active := r.set("enabled") == "yes"
	vaults, err := ss.Vaults(ctx)
	if err != nil {
		return StepRecord{}, err
	}
	var v *Vault
	for i := range vaults {
		if vaults[i].Name == name && vaults[i].Region == region && vaults[i].Type == "AWSSecretsManager" {
			v = &vaults[i]
		}
	}
	created := false
	vaultKey := name + "@" + region
	if v != nil && r.intended("vault", vaultKey) {
		// An earlier run was stopped right after creating it: it is VaultLink's.
		if err := r.settle("vault", vaultKey); err != nil {
			return StepRecord{}, err
		}
		created = true
	}
	if v == nil {
		if err := r.intend("vault", vaultKey, ""); err != nil {
			return StepRecord{}, err
		}
		r.progress("Creating the external vault link")
		made, err := ss.CreateVault(ctx, VaultSpec{Name: name, DisplayName: r.set("display_name"), Region: region, CredentialSecretID: secretID, Active: active})
		if err != nil {
			return StepRecord{}, err
		}
		v, created = &made, true
		if err := r.save(map[string]string{createdKey("vault", made.Name+"@"+made.Region): "yes", intentKey("vault", vaultKey): ""}); err != nil {
			return StepRecord{}, err
		}
	}
	if err := r.save(map[string]string{outVaultID: strconv.Itoa(v.ID), outVaultName: v.Name}); err != nil {
		return StepRecord{}, err
	}
	// Verify by reading the list again.
	vaults, err = ss.Vaults(ctx)
	if err != nil {
		return StepRecord{}, err
	}
	i := slices.IndexFunc(vaults, func(x Vault) bool { return x.ID == v.ID })
	if i < 0 {
		return StepRecord{}, fmt.Errorf("verify: vault link %d is not listed by Secret Server", v.ID)
	}
	got := vaults[i]
	if got.CredentialSecretID != secretID {
		return StepRecord{}, fmt.Errorf("a vault link named %q in %s already exists with another credential secret (id %d): give this one another name or change that link", name, region, got.CredentialSecretID)
	}
	return StepRecord{
		Summary: adoptedOr(created, "External vault link created", "External vault link already existed and was adopted"),
		Facts: []Fact{
			{"Vault", got.Name}, {"Display name", got.DisplayName}, {"Region", got.Region},
			{"Type", "AWS Secrets Manager"}, {"Enabled", strconv.FormatBool(got.Active)}, {"Vault id", strconv.Itoa(got.ID)},
		},
	}, nil
}

// ---- Module 4 ----

func runEnsureGroup(ctx context.Context, r *run) (StepRecord, error) {
	group, facts, err := ensureGroupSettings(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	if user := r.out(outUserName); user != "" {
		if err := addAndVerifyMember(ctx, r, user, group.Name); err != nil {
			return StepRecord{}, err
		}
		facts = append(facts, Fact{"Members include", user})
	}
	return StepRecord{Summary: adoptedOr(group.Created, "Group "+group.Name+" created", "Group "+group.Name+" confirmed"), Facts: facts}, nil
}

func previewAttachGroupPolicy(r *run) []string {
	if r.set("group_policy") == "custom" {
		return []string{"custom chosen: the broad SecretsManagerReadWrite policy is not attached", "iam:ListAttachedGroupPolicies: confirm the group's policies"}
	}
	return []string{"iam:AttachGroupPolicy arn:aws:iam::aws:policy/SecretsManagerReadWrite", "iam:ListAttachedGroupPolicies: confirm it is attached"}
}

func runAttachGroupPolicy(ctx context.Context, r *run) (StepRecord, error) {
	_, facts, err := ensureGroupSettings(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	summary := "SecretsManagerReadWrite attached to the group"
	if r.set("group_policy") == "custom" {
		summary = "Least-privilege custom policy attached to the group (no broad policy)"
	}
	return StepRecord{Summary: summary, Facts: facts}, nil
}

// ---- Module 5 ----

func (r *run) policy() (PolicyDocument, error) {
	var specific []string
	if r.set("resource_scope") == "specific" {
		specific = strings.Split(r.set("secret_arns"), ",")
		if len(strings.TrimSpace(r.set("secret_arns"))) == 0 {
			return PolicyDocument{}, fmt.Errorf("specific resources were chosen but none were given: list secret names, name prefixes ending in /, or ARNs")
		}
	}
	region := orDefault(r.out(outRegion), orDefault(r.set("region"), "us-east-1"))
	account := orDefault(r.out(outAccount), "<account>")
	return LeastPrivilegePolicy(region, account, specific)
}

func previewDraftPolicy(r *run) []string {
	lines := []string{
		"List: " + strings.Join(ListActions, ", "),
		"Read: " + strings.Join(ReadActions, ", "),
		"Write: " + strings.Join(WriteActions, ", "),
	}
	if d, err := r.policy(); err == nil {
		lines = append(lines, "Policy JSON:\n"+d.JSON())
	} else {
		lines = append(lines, "Policy cannot be built yet: "+err.Error())
	}
	return lines
}

func runDraftPolicy(_ context.Context, r *run) (StepRecord, error) {
	d, err := r.policy()
	if err != nil {
		return StepRecord{}, err
	}
	want := sortedCopy(RequiredActions())
	if got := d.AllowedActions(); !slices.Equal(got, want) {
		return StepRecord{}, fmt.Errorf("verify: the draft allows %v, expected exactly %v", got, want)
	}
	if err := r.save(map[string]string{outPolicyDoc: d.JSON()}); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: "Policy drafted with exactly the seven actions",
		Facts:   []Fact{{"Resources", orDefault(r.set("secret_arns"), "All (*)")}, {"Policy JSON", d.JSON()}},
	}, nil
}

func previewEnsurePolicy(r *run) []string {
	doc := r.out(outPolicyDoc)
	return []string{
		fmt.Sprintf("iam:CreatePolicy %q with the JSON below (or reuse it; a changed document becomes a new default version)", r.set("policy_name")),
		"iam:GetPolicy / GetPolicyVersion: read the stored document back and compare",
		"Policy JSON:\n" + orDefault(doc, "(run the previous step to draft it)"),
	}
}

// ensureCustomPolicy creates (or adopts and updates) the least-privilege policy and checks the
// stored document is the one intended.
func ensureCustomPolicy(ctx context.Context, r *run) (Entity, error) {
	d, err := r.policy()
	if err != nil {
		return Entity{}, err
	}
	iam := r.svc().IAM
	name := r.set("policy_name")
	r.progress("Creating policy " + name)
	pol, err := iam.EnsurePolicy(ctx, name, d.JSON(), "Least privilege for Delinea Secret Server's AWS Secrets Manager external vault (VaultLink)", r.adopt("policy", name))
	if err != nil {
		return Entity{}, err
	}
	if err := r.journal("policy", pol); err != nil {
		return Entity{}, err
	}
	text, err := iam.PolicyDocument(ctx, pol.ARN)
	if err != nil {
		return Entity{}, err
	}
	stored, err := ParsePolicyDocument(text)
	if err != nil {
		return Entity{}, err
	}
	if !SamePolicy(stored, d) {
		return Entity{}, fmt.Errorf("verify: the stored document of %s differs from the one VaultLink wrote", pol.ARN)
	}
	return pol, r.save(map[string]string{outPolicyARN: pol.ARN, outPolicyDoc: d.JSON()})
}

func runEnsurePolicy(ctx context.Context, r *run) (StepRecord, error) {
	pol, err := ensureCustomPolicy(ctx, r)
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: adoptedOr(pol.Created, "Policy "+pol.Name+" created", "Policy "+pol.Name+" already existed and matches"),
		Facts:   []Fact{{"Policy ARN", pol.ARN}, {"Allowed actions", strings.Join(RequiredActions(), ", ")}},
	}, nil
}

func previewAttachCustom(r *run) []string {
	return []string{fmt.Sprintf("iam:AttachGroupPolicy %s → %q", orDefault(r.out(outPolicyARN), "<custom policy>"), r.set("group_name")), "iam:ListAttachedGroupPolicies: confirm"}
}

func runAttachCustom(ctx context.Context, r *run) (StepRecord, error) {
	arn, err := r.need(outPolicyARN, "Set the resources and create the policy")
	if err != nil {
		return StepRecord{}, err
	}
	group, err := r.need(outGroupName, "Create the user group (module 4)")
	if err != nil {
		return StepRecord{}, err
	}
	iam := r.svc().IAM
	if err := iam.AttachGroupPolicy(ctx, group, arn); err != nil {
		return StepRecord{}, err
	}
	attached, err := iam.AttachedGroupPolicies(ctx, group)
	if err != nil {
		return StepRecord{}, err
	}
	if !slices.Contains(attached, arn) {
		return StepRecord{}, fmt.Errorf("verify: %s is not attached to %s", arn, group)
	}
	return StepRecord{Summary: "Custom policy attached to " + group, Facts: []Fact{{"Attached policies", strings.Join(attached, ", ")}}}, nil
}

// ---- Module 6 ----

func previewListVaults(r *run) []string {
	return []string{"list the external vaults Secret Server knows and find the one linked in module 3"}
}

func runListVaults(ctx context.Context, r *run) (StepRecord, error) {
	id, err := r.needInt(outVaultID, "Create the vault link (module 3)")
	if err != nil {
		return StepRecord{}, err
	}
	vaults, err := r.svc().SecretServer.Vaults(ctx)
	if err != nil {
		return StepRecord{}, err
	}
	var names []string
	found := false
	for _, v := range vaults {
		names = append(names, fmt.Sprintf("%s (%s)", v.DisplayName, v.Region))
		found = found || v.ID == id
	}
	if !found {
		return StepRecord{}, fmt.Errorf("the vault link of module 3 (id %d) is not in Secret Server's list: run module 3 again", id)
	}
	return StepRecord{Summary: fmt.Sprintf("%d external vault(s) listed, including the module 3 link", len(vaults)), Facts: []Fact{{"External vaults", strings.Join(names, ", ")}}}, nil
}

func previewSync(r *run) []string {
	ops := strings.Split(r.set("operations"), ",")
	lines := []string{}
	if slices.Contains(ops, "push") || slices.Contains(ops, "sync") {
		lines = append(lines, fmt.Sprintf("link Secret Server secret %q to %q in AWS (an external vault secret), if not linked yet", r.set("push_secret"), r.set("remote_name")))
	}
	for _, op := range ops {
		lines = append(lines, strings.ToUpper(op[:1])+op[1:]+": run it on the module 3 vault and list the outcome per secret")
	}
	return append(lines, "confirm on both sides: the pushed secret exists in AWS, the pulled secrets exist in Secret Server")
}

func runSync(ctx context.Context, r *run) (StepRecord, error) {
	ss := r.svc().SecretServer
	vaultID, err := r.needInt(outVaultID, "Create the vault link (module 3)")
	if err != nil {
		return StepRecord{}, err
	}
	ops := strings.Split(r.set("operations"), ",")
	pushing := slices.Contains(ops, "push") || slices.Contains(ops, "sync")
	remote := r.set("remote_name")
	if pushing {
		sec, err := ss.FindSecretByName(ctx, r.set("push_secret"))
		if err != nil {
			return StepRecord{}, err
		}
		if sec == nil {
			return StepRecord{}, fmt.Errorf("there is no Secret Server secret named %q to push: enter the name of an existing secret, or choose pull only", r.set("push_secret"))
		}
		if _, err := ss.EnsureVaultSecret(ctx, vaultID, sec.ID, remote); err != nil {
			return StepRecord{}, err
		}
	}
	rec := StepRecord{}
	var failed []string
	for _, op := range ops {
		r.progress(strings.ToUpper(op[:1]) + op[1:] + " running")
		rep, err := ss.Sync(ctx, op, vaultID)
		if err != nil {
			return rec, err
		}
		for _, it := range rep.Items {
			it.Action = rep.Action
			rec.Sync = append(rec.Sync, it)
			if !it.OK {
				failed = append(failed, fmt.Sprintf("%s %s: %s", it.Direction, it.Name, it.Reason))
			}
		}
	}
	if len(failed) > 0 {
		return rec, fmt.Errorf("%d secret(s) did not sync: %s", len(failed), strings.Join(failed, "; "))
	}
	// Verify on both sides.
	if pushing {
		names, err := r.svc().SecretsManager.SecretNames(ctx)
		if err != nil {
			return rec, err
		}
		if !slices.Contains(names, remote) {
			return rec, fmt.Errorf("verify: %q is not in AWS Secrets Manager after the push", remote)
		}
		rec.Facts = append(rec.Facts, Fact{"In AWS", remote})
	}
	if slices.Contains(ops, "pull") || slices.Contains(ops, "sync") {
		vs, err := ss.VaultSecrets(ctx, vaultID)
		if err != nil {
			return rec, err
		}
		var names []string
		for _, v := range vs {
			names = append(names, v.Name)
		}
		rec.Facts = append(rec.Facts, Fact{"External secrets in Secret Server", strings.Join(names, ", ")})
	}
	rec.Summary = fmt.Sprintf("%d secret transfer(s), none failed", len(rec.Sync))
	return rec, nil
}

// ---- Guided manual fallback (servers without the external-vault API) ----

// vaultAPI says whether the server documents the external-vault operations, probing once.
func (r *run) vaultAPI(ctx context.Context) (bool, error) {
	switch r.out(outVaultAPI) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	info, err := r.svc().SecretServer.Connect(ctx)
	if err != nil {
		return false, err
	}
	v := "no"
	if info.ExternalVaultAPI {
		v = "yes"
	}
	return info.ExternalVaultAPI, r.save(map[string]string{outVaultAPI: v, outSSURL: info.URL})
}

const noVaultAPI = "This Secret Server does not offer the external-vault operations in its API (its swagger.json lists none), so this step is done in its web console."

func (r *run) manualStep(clicks []string, checks string) ManualStep {
	return ManualStep{Why: noVaultAPI, Clicks: clicks, OpenURL: r.out(outSSURL), Checks: checks}
}

func manualConnection(r *run) ManualStep {
	return r.manualStep([]string{
		"Sign in to Secret Server and open External Secrets from the secrets menu.",
		"Click Create. The Create External Vault Link page appears.",
		"Tick Enabled to push changes to AWS (leave it clear to only pull): here, Enabled = " + r.set("enabled") + ".",
		"In Type, choose AWS Secret Manager.",
		fmt.Sprintf("Choose the secret %q (id %s) as the credential.", r.set("secret_name"), r.out(outSecretID)),
		"Wait for the green Connected indicator at the top of the page.",
	}, "VaultLink checks that the credential secret exists and holds module 1's access key.")
}

func confirmConnection(ctx context.Context, r *run) (StepRecord, error) {
	id, err := r.needInt(outSecretID, "Create the secret (module 2)")
	if err != nil {
		return StepRecord{}, err
	}
	fields, err := r.svc().SecretServer.SecretFields(ctx, id)
	if err != nil {
		return StepRecord{}, err
	}
	_, slug := splitField(r.out(outFieldKey))
	if !fields[slug].Equal(NewSecret(r.out(outKeyID))) {
		return StepRecord{}, fmt.Errorf("the credential secret (id %d) no longer holds module 1's access key: run module 2 again", id)
	}
	return StepRecord{Summary: "Connected (confirmed by you in Secret Server)", Facts: []Fact{{"Connection", "● Connected (seen by you)"}, {"Credential secret", fmt.Sprintf("%s (id %d), checked", r.set("secret_name"), id)}}}, nil
}

func manualVaultLink(r *run) ManualStep {
	clicks := []string{"On the same page, set Input Type to Automatic List and tick the AWS vault for " + r.set("region") + "."}
	if r.set("input_type") == "manual" {
		clicks = []string{fmt.Sprintf("On the same page, set Input Type to Manual Entry; enter the vault name exactly %q (case and symbols matter), the display name %q and the region %s.", r.set("vault_name"), r.set("display_name"), r.set("region"))}
	}
	return r.manualStep(append(clicks, "Click Save."), "Secret Server offers no API to read vault links back, so VaultLink records your confirmation.")
}

func confirmVaultLink(_ context.Context, r *run) (StepRecord, error) {
	if err := r.save(map[string]string{outVaultName: orDefault(r.set("vault_name"), "(chosen in Secret Server)"), outRegion: r.set("region")}); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{Summary: "External vault link saved (confirmed by you in Secret Server)", Facts: []Fact{{"Display name", r.set("display_name")}, {"Region", r.set("region")}, {"Enabled", r.set("enabled")}}}, nil
}

func manualListVaults(r *run) ManualStep {
	return r.manualStep([]string{"In Secret Server, open External Secrets → External Vaults.", "Your AWS vault (" + r.set("display_name") + ") is in the list."}, "VaultLink records your confirmation.")
}

func confirmByAdmin(summary string) func(context.Context, *run) (StepRecord, error) {
	return func(context.Context, *run) (StepRecord, error) {
		return StepRecord{Summary: summary + " (confirmed by you in Secret Server)"}, nil
	}
}

func manualSync(r *run) ManualStep {
	clicks := []string{"In External Secrets → External Vaults, hover over your AWS vault to reveal Pull, Push and Sync."}
	ops := strings.Split(r.set("operations"), ",")
	if slices.Contains(ops, "push") || slices.Contains(ops, "sync") {
		clicks = append(clicks, fmt.Sprintf("To push, link the secret %q to the name %q in the vault first (External Secrets → the vault → Add), with the transform $PASSWORD.", r.set("push_secret"), r.set("remote_name")))
	}
	for _, op := range ops {
		clicks = append(clicks, "Click "+strings.ToUpper(op[:1])+op[1:]+" and wait for it to finish.")
	}
	clicks = append(clicks, "Click the vault's name to see the synced secrets.")
	checks := "VaultLink records your confirmation."
	if slices.Contains(ops, "push") || slices.Contains(ops, "sync") {
		checks = fmt.Sprintf("VaultLink then checks in AWS that %q exists.", r.set("remote_name"))
	}
	return r.manualStep(clicks, checks)
}

func confirmSync(ctx context.Context, r *run) (StepRecord, error) {
	ops := strings.Split(r.set("operations"), ",")
	rec := StepRecord{Summary: "Sync done in Secret Server (confirmed by you)"}
	if slices.Contains(ops, "push") || slices.Contains(ops, "sync") {
		names, err := r.svc().SecretsManager.SecretNames(ctx)
		if err != nil {
			return StepRecord{}, err
		}
		if !slices.Contains(names, r.set("remote_name")) {
			return StepRecord{}, fmt.Errorf("%q is not in AWS Secrets Manager yet: check that the push finished in Secret Server (the vault's secret log shows why it did not)", r.set("remote_name"))
		}
		rec.Summary = "Push verified in AWS; sync confirmed by you"
		rec.Facts = append(rec.Facts, Fact{"In AWS", r.set("remote_name")})
	}
	return rec, nil
}
