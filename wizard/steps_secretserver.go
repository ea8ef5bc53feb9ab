package wizard

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The Secret Server steps: module 2 (template and secret), module 3 (the external vault link)
// and module 6 (Pull, Push, Sync). Modules 3 and 6 fall back to steps_guided.go on a server
// without the external-vault API.

// ---- Module 2 ----

func previewTemplate(r *run) []string {
	return []string{
		"GET /api/v1/healthcheck, the signed-in user, the version and swagger.json: confirm the Secret Server connection (once per connection)",
		fmt.Sprintf("GET /api/v1/secret-templates?filter.searchText=%s, then pick the exact name", r.set("template_name")),
		"GET /api/v1/secret-templates/{id}: read the field ids and slugs of user name, access key and secret key",
		"resolve the folder " + orDefault(r.set("folder"), "(default folder)"),
	}
}

// templateRole is one field the Amazon IAM Key template must have, matched by slug first,
// then display name, because the slugs are not published and differ between servers.
type templateRole struct {
	label  string
	slugs  []string
	labels []string
	use    func(t *TemplateUse) *FieldRef
}

var templateRoles = []templateRole{
	{"user name", []string{"username", "user-name"}, []string{"username", "user name"}, func(t *TemplateUse) *FieldRef { return &t.Username }},
	{"access key", []string{"access-key", "access-key-id", "accesskey"}, []string{"access key", "access key id"}, func(t *TemplateUse) *FieldRef { return &t.AccessKey }},
	{"secret key", []string{"secret-key", "secret-access-key", "secretkey"}, []string{"secret key", "secret access key"}, func(t *TemplateUse) *FieldRef { return &t.SecretKey }},
}

func resolveTemplateFields(t Template) (TemplateUse, []string, error) {
	use := TemplateUse{ID: t.ID}
	var names []string
	for _, role := range templateRoles {
		i := slices.IndexFunc(t.Fields, func(f TemplateField) bool { return slices.Contains(role.slugs, strings.ToLower(f.Slug)) })
		if i < 0 {
			i = slices.IndexFunc(t.Fields, func(f TemplateField) bool { return slices.Contains(role.labels, strings.ToLower(f.DisplayName)) })
		}
		if i < 0 {
			return TemplateUse{}, nil, fmt.Errorf("template %q has no field for the %s (looked for slugs %s): check the template in Secret Server", t.Name, role.label, strings.Join(role.slugs, ", "))
		}
		*role.use(&use) = FieldRef{ID: t.Fields[i].ID, Slug: t.Fields[i].Slug}
		names = append(names, t.Fields[i].DisplayName)
	}
	slices.Sort(names)
	return use, names, nil
}

func runFindTemplate(ctx context.Context, r *run) (StepRecord, error) {
	ss := r.svc.SecretServer
	// Signing in and probing the server (health, user, version, swagger.json) is done once
	// per connection: a check on the Connections page or an earlier run of this step did it.
	info, known := r.s.connected(ss)
	if !known {
		r.progress("Connecting to Secret Server")
		var err error
		if info, err = ss.Connect(ctx); err != nil {
			return StepRecord{}, err
		}
	}
	r.progress("Looking up the template")
	t, err := ss.FindTemplate(ctx, r.set("template_name"))
	if err != nil {
		return StepRecord{}, err
	}
	use, names, err := resolveTemplateFields(t)
	if err != nil {
		return StepRecord{}, err
	}
	folder, err := ss.ResolveFolder(ctx, r.set("folder"))
	if err != nil {
		return StepRecord{}, err
	}
	if err := r.s.noteConnected(ss, info); err != nil {
		return StepRecord{}, err
	}
	err = r.record(func(p *Progress) { p.Template, p.FolderID = use, folder.ID })
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: fmt.Sprintf("Template %q found (id %d)", t.Name, t.ID),
		Facts: []Fact{
			{"Secret Server", info.URL},
			{"Signed in as", info.User},
			{"Template fields used", strings.Join(names, ", ")},
			{"Folder", orDefault(folder.Path, "default")},
			{"Secret Server version", orDefault(info.Version, "unknown")},
			{"Module 3 (vault link)", modeText(info.Capabilities.Module3)},
			{"Module 6 (sync)", modeText(info.Capabilities.Module6)},
		},
	}, nil
}

func previewCreateSecret(r *run) []string {
	return []string{
		fmt.Sprintf("look for an existing secret %q in the folder (it is reused, never duplicated)", r.set("secret_name")),
		"read the secret access key from " + r.svc.Keyring.Name() + " (in memory only)",
		"POST /api/v1/secrets with the user name, access key ID and secret access key",
		"GET /api/v1/secrets/{id}: read it back and compare every field with what was sent",
	}
}

func runCreateSecret(ctx context.Context, r *run) (StepRecord, error) {
	ss, kr := r.svc.SecretServer, r.svc.Keyring
	p := r.got()
	tid, err := need(p.Template.ID, "the template", "Choose the Amazon IAM Key template")
	if err != nil {
		return StepRecord{}, err
	}
	user, err := need(p.UserName, "the IAM user", "Create the IAM user (module 1)")
	if err != nil {
		return StepRecord{}, err
	}
	keyID, err := need(p.AccessKeyID, "the access key", "Create the access key (module 1)")
	if err != nil {
		return StepRecord{}, err
	}
	secretKey, err := kr.Load(p.KeyringRef)
	if err != nil {
		return StepRecord{}, fmt.Errorf("the secret access key is not in %s (%v): run module 1's access key step again", kr.Name(), err)
	}
	fields := []struct {
		ref   FieldRef
		value Secret
		label string
	}{
		{p.Template.Username, NewSecret(user), "user name"},
		{p.Template.AccessKey, NewSecret(keyID), "access key ID"},
		{p.Template.SecretKey, secretKey, "secret access key"},
	}
	name := r.set("secret_name")
	existing, err := ss.FindSecret(ctx, name, tid, p.FolderID)
	if err != nil {
		return StepRecord{}, err
	}
	ref := SecretRef{}
	created := false
	if existing != nil {
		ref = *existing
		r.progress("Found existing secret " + name)
		// An earlier run was stopped right after creating it: it is VaultLink's.
		created = r.intended(KindSSSecret, name)
	} else {
		// Journalled before the create, so a crash right after it still knows the secret is
		// VaultLink's (the rerun adopts it, clean-up finds it by name).
		if err := r.intend(JournalEntry{EntityRef: EntityRef{KindSSSecret, name}}); err != nil {
			return StepRecord{}, err
		}
		var values []FieldValue
		for _, f := range fields {
			values = append(values, FieldValue{FieldID: f.ref.ID, Slug: f.ref.Slug, Value: f.value})
		}
		r.progress("Creating secret " + name)
		ref, err = ss.CreateSecret(ctx, NewSecretServerSecret{Name: name, TemplateID: tid, FolderID: p.FolderID, Fields: values})
		if err != nil {
			return StepRecord{}, err
		}
		created = true
	}
	err = r.journal(JournalEntry{EntityRef: EntityRef{KindSSSecret, name}, ID: strconv.Itoa(ref.ID), Created: created}, func(p *Progress) { p.SecretID = ref.ID })
	if err != nil {
		return StepRecord{}, err
	}
	got, err := ss.SecretFields(ctx, ref.ID)
	if err != nil {
		return StepRecord{}, err
	}
	for _, f := range fields {
		if !got[f.ref.Slug].Equal(f.value) {
			if created {
				return StepRecord{}, fmt.Errorf("verify: the secret's %s does not match what was sent", f.label)
			}
			return StepRecord{}, fmt.Errorf("a secret named %q already exists but its %s differs from module 1's key: choose another secret name, or update or delete that secret in Secret Server", name, f.label)
		}
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
	secretID, err := need(r.got().SecretID, "the Secret Server secret", "Create the secret (module 2)")
	if err != nil {
		return StepRecord{}, err
	}
	region := r.set("region")
	r.progress("Asking Secret Server which AWS vaults the credential reaches")
	ls, err := r.svc.SecretServer.LinkSettings(ctx, secretID, region)
	if err != nil {
		return StepRecord{}, err
	}
	r.keepLinkSettings(secretID, region, ls) // the link step that follows needs the same answer
	if !ls.Connected {
		return StepRecord{Facts: []Fact{{"Connection", "Not connected"}}}, fmt.Errorf("secret server could not connect to AWS with the module 2 credential: %s", orDefault(ls.Message, "no reason given"))
	}
	var vaults []string
	for _, v := range ls.Vaults {
		vaults = append(vaults, v.Name+" ("+v.Region+")")
	}
	if err := r.record(func(p *Progress) { p.Connected, p.Region = true, region }); err != nil {
		return StepRecord{}, err
	}
	return StepRecord{
		Summary: "Connected",
		Facts:   append([]Fact{{"Connection", "● Connected"}, {"Vaults available", strings.Join(vaults, ", ")}, {"Enabled (push)", r.set("enabled")}}, r.apiFacts(APIOpLinkSettings)...),
	}, nil
}

func previewVaultLink(r *run) []string {
	lines := []string{"look for an existing vault link with the same name and region (it is reused)"}
	if r.set("input_type") == "manual" {
		lines = append(lines, fmt.Sprintf("Manual Entry: vault %q, display name %q, region %s", r.set("vault_name"), r.set("display_name"), r.set("region")))
	} else {
		lines = append(lines, "Automatic List: choose the listed vault in "+r.set("region")+" (from the connection check just made, else asked again)")
	}
	return append(lines, "create the external vault link (type AWS Secrets Manager, Enabled="+r.set("enabled")+"), then read it back")
}

func runCreateVaultLink(ctx context.Context, r *run) (StepRecord, error) {
	ss := r.svc.SecretServer
	secretID, err := need(r.got().SecretID, "the Secret Server secret", "Create the secret (module 2)")
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
		ls, err := r.linkSettings(ctx, secretID, region)
		if err != nil {
			return StepRecord{}, err
		}
		if !ls.Connected {
			return StepRecord{}, fmt.Errorf("not connected: %s", orDefault(ls.Message, "Secret Server gave no reason"))
		}
		i := slices.IndexFunc(ls.Vaults, func(v RemoteVault) bool { return v.Region == region && (name == "" || v.Name == name) })
		if i < 0 {
			return StepRecord{}, fmt.Errorf("secret server lists no vault in %s for this credential: choose another region or use manual entry", region)
		}
		name = ls.Vaults[i].Name
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
	// An earlier run stopped right after creating it: it is VaultLink's.
	created := v != nil && r.intended(KindVaultLink, name)
	if v == nil {
		if err := r.intend(JournalEntry{EntityRef: EntityRef{KindVaultLink, name}}); err != nil {
			return StepRecord{}, err
		}
		r.progress("Creating the external vault link")
		made, err := ss.CreateVault(ctx, VaultSpec{Name: name, DisplayName: r.set("display_name"), Region: region, CredentialSecretID: secretID, Active: active})
		if err != nil {
			return StepRecord{}, err
		}
		v, created = &made, true
	}
	err = r.journal(JournalEntry{EntityRef: EntityRef{KindVaultLink, v.Name}, ID: strconv.Itoa(v.ID), Created: created}, func(p *Progress) {
		p.Vault, p.Region = VaultLinkUse{ID: v.ID, Name: v.Name}, region
	})
	if err != nil {
		return StepRecord{}, err
	}
	// Verify a new link by reading the list again (an adopted one is in the list just read).
	if created {
		if vaults, err = ss.Vaults(ctx); err != nil {
			return StepRecord{}, err
		}
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
		Facts: append([]Fact{
			{"Vault", got.Name}, {"Display name", got.DisplayName}, {"Region", got.Region},
			{"Type", "AWS Secrets Manager"}, {"Enabled", strconv.FormatBool(got.Active)}, {"Vault id", strconv.Itoa(got.ID)},
		}, r.apiFacts(APIOpVaultsCreate, APIOpVaultsSearch)...),
	}, nil
}

// ---- Module 6 ----

func previewListVaults(r *run) []string {
	return []string{"list the external vaults Secret Server knows and find the one linked in module 3"}
}

// syncOps returns the chosen operations and whether they push to AWS or pull from it.
func syncOps(r *run) (ops []string, pushing, pulling bool) {
	ops = strings.Split(r.set("operations"), ",")
	pushing = slices.Contains(ops, "push") || slices.Contains(ops, "sync")
	pulling = slices.Contains(ops, "pull") || slices.Contains(ops, "sync")
	return ops, pushing, pulling
}

func title(op string) string { return strings.ToUpper(op[:1]) + op[1:] }

func previewSync(r *run) []string {
	ops, pushing, _ := syncOps(r)
	lines := []string{}
	if pushing {
		lines = append(lines, fmt.Sprintf("link Secret Server secret %q to %q in AWS (an external vault secret), if not linked yet", r.set("push_secret"), r.set("remote_name")))
	}
	for _, op := range ops {
		lines = append(lines, title(op)+": run it on the module 3 vault and list the outcome per secret")
	}
	return append(lines, "verify on both sides: AWS shows a new version of the pushed secret, Secret Server lists every secret it pulled")
}
