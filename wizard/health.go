package wizard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OwnerTagKey and OwnerTagValue mark IAM users and policies VaultLink created (services/aws
// sets them; the health check and the export read them).
const (
	OwnerTagKey   = "vaultlink:managed-by"
	OwnerTagValue = "VaultLink"
)

// ErrNotFound is what a port wraps when the entity asked for does not exist (as opposed to a
// call that failed), so the health check can tell drift from "could not check".
var ErrNotFound = errors.New("does not exist")

// KeyAgeWarning is the age from which a key is reported for rotation (AWS's common advice).
const KeyAgeWarning = 90 * 24 * time.Hour

// HealthStatus is one item's verdict.
type HealthStatus string

const (
	HealthOK      HealthStatus = "ok"
	HealthWarn    HealthStatus = "warn"    // works, but needs attention (an old key, a failed sync)
	HealthDrift   HealthStatus = "drift"   // differs from what VaultLink set up
	HealthUnknown HealthStatus = "unknown" // could not be checked
)

// HealthItem is one compared item, with the fix when it is not ok. It never holds a secret.
type HealthItem struct {
	Name   string
	Status HealthStatus
	Detail string
	Fix    string
}

// HealthReport is the item-by-item comparison of what exists now with the record.
type HealthReport struct {
	Items []HealthItem
}

// ExitCode is the status for scripts: 0 healthy (warnings included), 1 drift, 2 could not
// check. Drift wins over "could not check": what was found is certain.
func (r HealthReport) ExitCode() int {
	code := 0
	for _, it := range r.Items {
		switch it.Status {
		case HealthDrift:
			return 1
		case HealthUnknown:
			code = 2
		}
	}
	return code
}

// Item returns the item of that name.
func (r HealthReport) Item(name string) (HealthItem, bool) {
	i := slices.IndexFunc(r.Items, func(it HealthItem) bool { return it.Name == name })
	if i < 0 {
		return HealthItem{}, false
	}
	return r.Items[i], true
}

// The item names, stable for scripts and tests.
const (
	HealthUser       = "IAM user"
	HealthKey        = "access key"
	HealthKeyring    = "keyring"
	HealthSecret     = "Secret Server secret"
	HealthMembership = "group membership"
	HealthPolicy     = "policy"
	HealthVault      = "vault link"
	HealthSync       = "last sync"
	HealthRotation   = "key rotation" // listed only while a rotation is under way
)

// rotateFix is the fix for a key that should be replaced while the integration still works.
const rotateFix = "rotate the key: vaultlink rotate-key (or Rotate the key on the Health page) makes a new one, moves Secret Server to it and deletes the old one"

// CheckHealth reads what exists now and compares it with the record, item by item. It only
// reads: nothing in AWS, Secret Server or the keyring is changed.
func CheckHealth(ctx context.Context, svc Services, st *State) HealthReport {
	now := time.Now
	if svc.Now != nil {
		now = svc.Now
	}
	p := st.Progress
	var r HealthReport
	add := func(name string, status HealthStatus, detail, fix string) {
		r.Items = append(r.Items, HealthItem{Name: name, Status: status, Detail: detail, Fix: fix})
	}
	if p.UserName == "" {
		add(HealthUser, HealthUnknown, "the record has no IAM user", "run VaultLink's module 1 first (vaultlink apply, or the window)")
		return r
	}
	rerun := "rerun module 1 (vaultlink apply, or Run in the window)"
	userOK := checkUser(ctx, svc, st, add, rerun)
	if rot := st.Rotation; rot != nil {
		add(HealthRotation, HealthWarn, fmt.Sprintf("a rotation of access key %s stopped after stage %q (started %s)", MaskKeyID(rot.OldKeyID), rot.Stage, rot.Started.UTC().Format("2006-01-02 15:04 MST")),
			"vaultlink rotate-key (or Rotate the key on the Health page) finishes it where it stopped")
	}
	if userOK {
		checkKey(ctx, svc, st, now(), add)
		checkMembership(ctx, svc, p, add)
		checkPolicy(ctx, svc, p, add)
	}
	checkKeyring(svc, p, add)
	checkSecretServer(ctx, svc, p, add)
	checkLastSync(st, add)
	return r
}

type addFunc func(name string, status HealthStatus, detail, fix string)

func checkUser(ctx context.Context, svc Services, st *State, add addFunc, rerun string) bool {
	user := st.Progress.UserName
	tags, err := svc.IAM.UserTags(ctx, user)
	switch {
	case errors.Is(err, ErrNotFound):
		add(HealthUser, HealthDrift, "user "+user+" no longer exists", rerun+": it creates the user, a new key and stores it")
		return false
	case err != nil:
		add(HealthUser, HealthUnknown, err.Error(), "check the AWS connection (vaultlink doctor)")
		return false
	}
	e, _ := journalFind(st.Journal, EntityRef{KindUser, user})
	switch {
	case tags[OwnerTagKey] == OwnerTagValue:
		add(HealthUser, HealthOK, "user "+user+" exists with the ownership tag", "")
	case !e.Created:
		// An adopted user never carried the tag: clean-up leaves it alone, as agreed.
		add(HealthUser, HealthOK, "user "+user+" exists (adopted, so not tagged as VaultLink's)", "")
	default:
		add(HealthUser, HealthDrift, "user "+user+" lost the ownership tag "+OwnerTagKey+"="+OwnerTagValue+" (clean-up will not remove it)",
			fmt.Sprintf("aws iam tag-user --user-name %s --tags Key=%s,Value=%s", user, OwnerTagKey, OwnerTagValue))
	}
	return true
}

func checkKey(ctx context.Context, svc Services, st *State, now time.Time, add addFunc) {
	p := st.Progress
	remake := "create a new key with VaultLink (rerun module 1's key step, then module 2's secret step): the key step stores it in the keyring"
	if p.AccessKeyID == "" {
		add(HealthKey, HealthUnknown, "the record has no access key", "run module 1's key step")
		return
	}
	keys, err := svc.IAM.AccessKeys(ctx, p.UserName)
	if err != nil {
		add(HealthKey, HealthUnknown, err.Error(), "check the AWS connection (vaultlink doctor)")
		return
	}
	masked := MaskKeyID(p.AccessKeyID)
	i := slices.IndexFunc(keys, func(k KeyMeta) bool { return k.ID == p.AccessKeyID })
	if i < 0 {
		others := make([]string, 0, len(keys))
		for _, k := range keys {
			others = append(others, MaskKeyID(k.ID))
		}
		detail := "key " + masked + " (in the keyring and Secret Server) no longer exists in AWS"
		if len(others) > 0 {
			detail += "; the user has " + strings.Join(others, ", ") + " instead: it was replaced outside VaultLink"
		}
		add(HealthKey, HealthDrift, detail, remake+"; delete keys VaultLink does not know")
		return
	}
	k := keys[i]
	if k.Status != "Active" {
		add(HealthKey, HealthDrift, "key "+masked+" is "+k.Status+": Secret Server cannot sign in",
			fmt.Sprintf("aws iam update-access-key --user-name %s --access-key-id %s --status Active, or %s", p.UserName, p.AccessKeyID, rotateFix))
		return
	}
	age := now.Sub(k.Created)
	days := int(age.Hours() / 24)
	detail := fmt.Sprintf("key %s is active, %d days old", masked, days)
	if lu, err := svc.IAM.AccessKeyLastUsed(ctx, p.AccessKeyID); err != nil {
		detail += "; last use unknown (" + err.Error() + ")"
	} else if lu.At.IsZero() {
		detail += "; never used"
	} else {
		detail += fmt.Sprintf("; last used %s", lu.At.UTC().Format("2006-01-02 15:04 MST"))
		if lu.Service != "" {
			detail += " by " + lu.Service
		}
	}
	unknown := 0
	for _, o := range keys {
		kept := slices.IndexFunc(st.KeptKeys, func(x KeptKey) bool { return x.ID == o.ID })
		switch {
		case o.ID == p.AccessKeyID:
		case kept >= 0:
			detail += fmt.Sprintf("; the old key %s is kept (%s) until %s", MaskKeyID(o.ID), o.Status, st.KeptKeys[kept].Until.UTC().Format("2006-01-02"))
		case st.Rotation != nil && (o.ID == st.Rotation.OldKeyID || o.ID == st.Rotation.NewKeyID):
			detail += fmt.Sprintf("; key %s belongs to the rotation under way", MaskKeyID(o.ID))
		default:
			unknown++
		}
	}
	if unknown > 0 {
		detail += fmt.Sprintf("; the user has %d other key(s) VaultLink does not know", unknown)
	}
	if age >= KeyAgeWarning {
		add(HealthKey, HealthWarn, detail+": due for rotation (90 days)", rotateFix)
		return
	}
	add(HealthKey, HealthOK, detail, "")
}

func checkKeyring(svc Services, p Progress, add addFunc) {
	if p.KeyringRef == "" {
		add(HealthKeyring, HealthUnknown, "the record has no keyring entry", "run module 1's key step")
		return
	}
	// The entry's name carries the key id it was stored for (KeyringRef).
	if p.AccessKeyID != "" && !strings.HasSuffix(p.KeyringRef, "/"+p.AccessKeyID) {
		add(HealthKeyring, HealthDrift, "the keyring entry is for another key than the record's "+MaskKeyID(p.AccessKeyID), "create a new key with VaultLink")
		return
	}
	s, err := svc.Keyring.Load(p.KeyringRef)
	switch {
	case err != nil:
		add(HealthKeyring, HealthUnknown, "the keyring entry could not be read: "+err.Error(), "unlock the system keyring (vaultlink doctor)")
	case s.Empty():
		add(HealthKeyring, HealthDrift, "the keyring entry of key "+MaskKeyID(p.AccessKeyID)+" is empty", "create a new key with VaultLink")
	default:
		add(HealthKeyring, HealthOK, "the secret half of key "+MaskKeyID(p.AccessKeyID)+" is in "+svc.Keyring.Name(), "")
	}
}

func checkMembership(ctx context.Context, svc Services, p Progress, add addFunc) {
	if p.GroupName == "" {
		add(HealthMembership, HealthUnknown, "the record has no group", "run module 4")
		return
	}
	members, err := svc.IAM.GroupMembers(ctx, p.GroupName)
	switch {
	case errors.Is(err, ErrNotFound):
		add(HealthMembership, HealthDrift, "group "+p.GroupName+" no longer exists", "rerun module 4 (vaultlink apply)")
	case err != nil:
		add(HealthMembership, HealthUnknown, err.Error(), "check the AWS connection (vaultlink doctor)")
	case !slices.ContainsFunc(members, func(m string) bool { return strings.EqualFold(m, p.UserName) }):
		add(HealthMembership, HealthDrift, p.UserName+" is no longer a member of "+p.GroupName,
			fmt.Sprintf("aws iam add-user-to-group --user-name %s --group-name %s", p.UserName, p.GroupName))
	default:
		add(HealthMembership, HealthOK, p.UserName+" is a member of "+p.GroupName, "")
	}
}

func checkPolicy(ctx context.Context, svc Services, p Progress, add addFunc) {
	if p.GroupName == "" || (p.PolicyARN == "" && p.ManagedPolicyARN == "") {
		add(HealthPolicy, HealthUnknown, "the record has no policy", "run modules 4 and 5")
		return
	}
	attached, err := svc.IAM.AttachedGroupPolicies(ctx, p.GroupName)
	if err != nil && !errors.Is(err, ErrNotFound) {
		add(HealthPolicy, HealthUnknown, err.Error(), "check the AWS connection (vaultlink doctor)")
		return
	}
	var problems []string
	fix := "rerun modules 4 and 5 (vaultlink apply): they attach the policy and restore its document"
	if p.ManagedPolicyARN != "" && !slices.Contains(attached, p.ManagedPolicyARN) {
		problems = append(problems, p.ManagedPolicyARN+" is no longer attached to "+p.GroupName)
	}
	if p.PolicyARN != "" {
		if !slices.Contains(attached, p.PolicyARN) {
			problems = append(problems, p.PolicyARN+" is no longer attached to "+p.GroupName)
		}
		text, err := svc.IAM.PolicyDocument(ctx, p.PolicyARN)
		if err != nil && !errors.Is(err, ErrNotFound) {
			add(HealthPolicy, HealthUnknown, err.Error(), "check the AWS connection (vaultlink doctor)")
			return
		}
		if err != nil {
			problems = append(problems, "policy "+p.PolicyARN+" no longer exists")
		} else if stored, perr := ParsePolicyDocument(text); perr != nil {
			problems = append(problems, "the policy document cannot be read: "+perr.Error())
		} else {
			want := sortedCopy(RequiredActions())
			if got := stored.AllowedActions(); !slices.Equal(got, want) {
				problems = append(problems, fmt.Sprintf("the policy allows %s, not exactly the seven actions (%s)", describeDiff(got, want), strings.Join(want, ", ")))
			} else if recorded, rerr := ParsePolicyDocument(p.PolicyDocument); rerr == nil && !SamePolicy(stored, recorded) {
				problems = append(problems, "the policy's resources or statements were edited since VaultLink wrote it")
			}
		}
	}
	if len(problems) > 0 {
		add(HealthPolicy, HealthDrift, strings.Join(problems, "; "), fix)
		return
	}
	what := "the least-privilege policy (exactly the seven actions)"
	switch {
	case p.PolicyARN != "" && p.ManagedPolicyARN != "":
		what = "SecretsManagerReadWrite and " + what
	case p.PolicyARN == "":
		what = "SecretsManagerReadWrite"
	}
	add(HealthPolicy, HealthOK, p.GroupName+" holds "+what, "")
}

// describeDiff says what an action list has too many or too few of.
func describeDiff(got, want []string) string {
	var extra, missing []string
	for _, a := range got {
		if !slices.Contains(want, a) {
			extra = append(extra, "+"+a)
		}
	}
	for _, a := range want {
		if !slices.Contains(got, a) {
			missing = append(missing, "-"+a)
		}
	}
	return strings.Join(append(extra, missing...), " ")
}

func checkSecretServer(ctx context.Context, svc Services, p Progress, add addFunc) {
	ss := svc.SecretServer
	if p.SecretID == 0 || ss == nil {
		add(HealthSecret, HealthUnknown, "the record has no Secret Server secret", "run module 2")
	} else if fields, err := ss.SecretFields(ctx, p.SecretID); err != nil {
		add(HealthSecret, HealthUnknown, fmt.Sprintf("secret %d could not be read: %v", p.SecretID, err), "check the Secret Server connection (vaultlink doctor); rerun module 2 if the secret was deleted")
	} else {
		// Only the access key id field is compared; the secret key is never read out or shown.
		got, ok := fields[p.Template.AccessKey.Slug]
		switch {
		case !ok:
			add(HealthSecret, HealthDrift, fmt.Sprintf("secret %d has no %q field", p.SecretID, p.Template.AccessKey.Slug), "rerun module 2")
		case got.Reveal() != p.AccessKeyID:
			add(HealthSecret, HealthDrift, fmt.Sprintf("secret %d's access key field no longer holds %s: Secret Server signs in with another key", p.SecretID, MaskKeyID(p.AccessKeyID)),
				rotateFix+", writing both fields of the secret (or set the field back in Secret Server)")
		default:
			add(HealthSecret, HealthOK, fmt.Sprintf("secret %d holds access key %s", p.SecretID, MaskKeyID(p.AccessKeyID)), "")
		}
	}
	if p.Vault.ID == 0 || ss == nil {
		add(HealthVault, HealthUnknown, "the record has no external vault link (or it was made by hand)", "run module 3")
		return
	}
	vaults, err := ss.Vaults(ctx)
	if err != nil {
		add(HealthVault, HealthUnknown, err.Error(), "check the Secret Server connection (vaultlink doctor)")
		return
	}
	if !slices.ContainsFunc(vaults, func(v Vault) bool { return v.ID == p.Vault.ID }) {
		add(HealthVault, HealthDrift, fmt.Sprintf("external vault link %q (id %d) no longer exists", p.Vault.Name, p.Vault.ID), "rerun module 3 (vaultlink apply): it creates the link again")
		return
	}
	ls, err := ss.LinkSettings(ctx, p.SecretID, p.Region)
	switch {
	case err != nil:
		add(HealthVault, HealthUnknown, "link present; the connection check failed: "+err.Error(), "check the Secret Server connection (vaultlink doctor)")
	case !ls.Connected:
		add(HealthVault, HealthDrift, "link present but Secret Server cannot connect to AWS: "+ls.Message, "check the access key (see above) and the region")
	default:
		add(HealthVault, HealthOK, fmt.Sprintf("link %q present and connected", p.Vault.Name), "")
	}
}

func checkLastSync(st *State, add addFunc) {
	rec, ok := st.Steps[StepRef{Module: "sync", Step: "run-sync"}.String()]
	if !ok || rec.Status == StepPending {
		add(HealthSync, HealthWarn, "no sync was recorded", "run module 6")
		return
	}
	var failed []string
	for _, it := range rec.Sync {
		if !it.OK {
			failed = append(failed, it.Direction+" "+it.Name)
		}
	}
	when := rec.At.UTC().Format("2006-01-02 15:04 MST")
	switch {
	case rec.Status == StepFailed || len(failed) > 0:
		add(HealthSync, HealthWarn, fmt.Sprintf("the last sync (%s) had failures: %s", when, orDefault(strings.Join(failed, ", "), rec.Error)), "rerun module 6 once the items above are ok")
	default:
		add(HealthSync, HealthOK, fmt.Sprintf("the last sync (%s) moved %d secret(s), all ok", when, len(rec.Sync)), "")
	}
}

// Health runs the health check on this session's record and services (read-only). The record
// is copied under the lock; the calls run outside it.
func (s *Session) Health(ctx context.Context) HealthReport {
	s.mu.Lock()
	st := &State{Progress: s.state.Progress, Journal: slices.Clone(s.state.Journal), KeptKeys: slices.Clone(s.state.KeptKeys), Steps: map[string]StepRecord{}}
	if s.state.Rotation != nil {
		rot := *s.state.Rotation
		st.Rotation = &rot
	}
	for k, v := range s.state.Steps {
		st.Steps[k] = v
	}
	s.mu.Unlock()
	return CheckHealth(ctx, s.services(), st)
}
