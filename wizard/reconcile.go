package wizard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Crash safety. A step can be cut off anywhere: the process killed, the network gone. Every
// create is therefore preceded by an intent record in the progress file (saved before the
// call), and every run first reconciles what exists with what the progress file and the
// keyring say, so a rerun adopts what an interrupted run made and never makes a second one.
// The intent records live in the state's outputs next to the created:… journal entries; the
// typed journal of the code-health work is their natural home once it lands.

// ErrNotInKeyring is what a Keyring's Load wraps when it has no entry under the ref: the entry
// is known to be absent, as opposed to a keyring that is locked or does not answer (when
// nothing may be concluded, and so nothing is deleted).
var ErrNotInKeyring = errors.New("no entry")

// intentKey names the intent record made before VaultLink creates an entity of that kind.
func intentKey(kind, name string) string { return "intent:" + kind + ":" + strings.ToLower(name) }

// intended says whether an earlier run recorded that it was about to create the entity.
func (r *run) intended(kind, name string) bool { return r.out(intentKey(kind, name)) != "" }

// intend records, before a create call, that VaultLink is about to create the entity (value:
// what a reconcile needs to know later). The state is saved before the call is made.
func (r *run) intend(kind, name, value string) error {
	if value == "" {
		value = "yes"
	}
	return r.save(map[string]string{intentKey(kind, name): value})
}

// settle replaces an intent with the created:… journal entry once the entity is known to be
// VaultLink's.
func (r *run) settle(kind, name string) error {
	return r.save(map[string]string{intentKey(kind, name): "", createdKey(kind, name): "yes"})
}

type intentHook struct{}

// WithIntent returns a context through which a service reports, right before a create call,
// what it is about to create (see RecordIntent).
func WithIntent(ctx context.Context, record func(kind, name string) error) context.Context {
	return context.WithValue(ctx, intentHook{}, record)
}

// RecordIntent is called by a service right before it creates an entity it had first looked
// for and not found: the wizard then records the intent in the progress file, so a crash
// between the create and the journal entry does not leave an entity the next run mistakes for
// someone else's. Without a hook it does nothing.
func RecordIntent(ctx context.Context, kind, name string) error {
	if fn, ok := ctx.Value(intentHook{}).(func(kind, name string) error); ok {
		return fn(kind, name)
	}
	return nil
}

// OrphanKeysError says the user has access keys VaultLink created whose secret is in no
// keyring entry: an earlier run was cut off between CreateAccessKey and the keyring write (or
// the keyring lost the entry). Nobody can ever use such a key; VaultLink deletes it only with
// the admin's consent (AllowReplaceOrphanKeys, or replace_orphan_keys in a plan).
type OrphanKeysError struct {
	User string
	Keys []string
}

func (e *OrphanKeysError) Error() string {
	masked := make([]string, len(e.Keys))
	for i, k := range e.Keys {
		masked[i] = MaskKeyID(k)
	}
	return fmt.Sprintf("IAM user %s has %d orphaned access key(s) (%s): VaultLink created them, but their secret is in no keyring entry (an earlier run was stopped before it could store it, or the keyring entry was deleted), so nobody can use them. "+
		"Allow VaultLink to delete them and create a new key (in the window: Delete and create; in a plan: replace_orphan_keys: \"yes\"), or delete them yourself in the IAM console (the user's Security credentials), then run this step again",
		e.User, len(e.Keys), strings.Join(masked, ", "))
}

// AllowReplaceOrphanKeys records the admin's consent to delete orphaned access keys (after an
// *OrphanKeysError).
func (s *Session) AllowReplaceOrphanKeys() error { return s.SetSetting("replace_orphan_keys", "yes") }

// keyReconcile is what reconcileKeys found and did.
type keyReconcile struct {
	reuse   *AccessKey // a key VaultLink made whose secret is in the keyring
	live    []KeyMeta  // the keys left on the user
	notices []string
}

// reconcileKeys compares the user's access keys with the progress file and the keyring:
//   - a key VaultLink made (its journal, its intent record or its description tag says so)
//     whose secret is in the keyring is reused;
//   - one whose secret is in no keyring entry is an orphan: deleted with consent, otherwise an
//     *OrphanKeysError;
//   - a keyring entry the progress file names for a key AWS no longer has is removed.
//
// A keyring that fails (rather than saying "no such entry") stops the step: nothing is
// concluded from a keyring that cannot be read.
func reconcileKeys(ctx context.Context, r *run, user string, keys []KeyMeta) (keyReconcile, error) {
	svc := r.svc()
	iam, kr := svc.IAM, svc.Keyring
	var res keyReconcile
	recorded := r.out(outKeyID)
	if recorded != "" && !slices.ContainsFunc(keys, func(k KeyMeta) bool { return k.ID == recorded }) {
		ref := orDefault(r.out(outKeyringRef), KeyringRef(user, recorded))
		if err := kr.Remove(ref); err != nil {
			return res, fmt.Errorf("access key %s no longer exists in AWS, and its keyring entry could not be removed: %w", MaskKeyID(recorded), err)
		}
		if err := r.save(map[string]string{outKeyID: "", outKeyringRef: ""}); err != nil {
			return res, err
		}
		res.notices = append(res.notices, fmt.Sprintf("removed the keyring entry of access key %s: that key no longer exists in AWS", MaskKeyID(recorded)))
	}
	tags, err := iam.UserTags(ctx, user)
	if err != nil {
		return res, err
	}
	before := strings.Split(r.out(intentKey("access-key", user)), ",")
	intent := r.intended("access-key", user)
	desc := r.set("description_tag")
	var orphans []string
	for _, k := range keys {
		ours := k.ID == recorded || (intent && !slices.Contains(before, k.ID)) || (desc != "" && tags[k.ID] == desc)
		if !ours {
			res.live = append(res.live, k)
			continue
		}
		ref := KeyringRef(user, k.ID)
		sec, err := kr.Load(ref)
		switch {
		case err == nil && !sec.Empty() && res.reuse == nil:
			res.reuse = &AccessKey{ID: k.ID, Secret: sec}
			res.live = append(res.live, k)
		case err == nil && !sec.Empty():
			// A second VaultLink key with its secret at hand: one is enough; the other is
			// treated like an orphan so the user ends with one key.
			orphans = append(orphans, k.ID)
		case err == nil || errors.Is(err, ErrNotInKeyring):
			orphans = append(orphans, k.ID)
		default:
			return res, fmt.Errorf("cannot tell whether access key %s is still usable, because %s did not answer: %w", MaskKeyID(k.ID), kr.Name(), err)
		}
	}
	if len(orphans) == 0 {
		return res, nil
	}
	if r.set("replace_orphan_keys") != "yes" {
		return res, &OrphanKeysError{User: user, Keys: orphans}
	}
	for _, id := range orphans {
		if err := iam.DeleteAccessKey(ctx, user, id); err != nil {
			return res, fmt.Errorf("delete the orphaned access key %s: %w", MaskKeyID(id), err)
		}
		// A duplicate's keyring entry goes with its key.
		if err := kr.Remove(KeyringRef(user, id)); err != nil {
			return res, err
		}
		res.notices = append(res.notices, fmt.Sprintf("deleted orphaned access key %s (VaultLink made it, but its secret was never stored, so nobody could use it)", MaskKeyID(id)))
	}
	return res, nil
}

// createKeyIntoKeyring makes a new access key the crash-safe way: the intent (with the ids of
// the keys that exist already) is saved first, so a key that appears later is known to be
// VaultLink's; the secret goes into the keyring before anything else, because AWS never shows
// it again; only then is the key recorded. If the keyring refuses the secret, the key is
// deleted at once: nobody could ever use it.
func createKeyIntoKeyring(ctx context.Context, r *run, user string, live []KeyMeta) (AccessKey, error) {
	svc := r.svc()
	iam, kr := svc.IAM, svc.Keyring
	if len(live) >= 2 {
		ids := make([]string, len(live))
		for i, k := range live {
			ids[i] = MaskKeyID(k.ID)
		}
		return AccessKey{}, fmt.Errorf("user %s already has 2 access keys (%s), the most AWS allows, and VaultLink holds the secret of neither: delete one you no longer use in the IAM console (the user's Security credentials) and run this step again", user, strings.Join(ids, ", "))
	}
	before := make([]string, 0, len(live))
	for _, k := range live {
		before = append(before, k.ID)
	}
	if err := r.intend("access-key", user, strings.Join(before, ",")); err != nil {
		return AccessKey{}, fmt.Errorf("record the intent to create an access key (nothing was created): %w", err)
	}
	r.progress("Creating access key")
	key, err := iam.CreateAccessKey(ctx, user)
	if err != nil {
		return AccessKey{}, err
	}
	ref := KeyringRef(user, key.ID)
	if err := kr.Store(ref, key.Secret); err != nil {
		why := fmt.Sprintf("%s refused to store the secret of the new access key %s (%v)", kr.Name(), MaskKeyID(key.ID), err)
		// Best effort: the entry may have been written after all (a store that timed out).
		_ = kr.Remove(ref)
		if derr := iam.DeleteAccessKey(context.WithoutCancel(ctx), user, key.ID); derr != nil {
			return AccessKey{}, fmt.Errorf("%s, and the key could not be deleted again (%v): delete it in the IAM console (the user's Security credentials), make the keyring usable (unlock it), and run this step again", why, derr)
		}
		_ = r.save(map[string]string{intentKey("access-key", user): ""})
		return AccessKey{}, fmt.Errorf("%s. VaultLink deleted that key again, since nobody could ever use it. Make the keyring usable (unlock it, or start it) and run this step again", why)
	}
	if err := r.save(map[string]string{outKeyID: key.ID, outKeyringRef: ref, intentKey("access-key", user): ""}); err != nil {
		// The secret is in the keyring under a name derived from the key, so the next run
		// finds and reuses the key even though this record was not written.
		return AccessKey{}, fmt.Errorf("access key %s is stored in %s, but the progress file could not be written: %w", MaskKeyID(key.ID), kr.Name(), err)
	}
	return key, nil
}

// ensureGroupCrashSafe ensures the group with the intent hook in place: the service reports
// right before CreateGroup, the intent is saved, and a rerun after a crash between the create
// and the journal entry adopts the group as VaultLink's instead of calling it someone else's.
func ensureGroupCrashSafe(ctx context.Context, r *run, name string) (Entity, error) {
	intended := r.intended("group", name)
	hooked := WithIntent(ctx, func(kind, n string) error { return r.intend(kind, n, "") })
	group, err := r.svc().IAM.EnsureGroup(hooked, name, r.adopt("group", name) || intended)
	if err != nil {
		return Entity{}, err
	}
	if group.Created || intended {
		if err := r.settle("group", group.Name); err != nil {
			return Entity{}, err
		}
	}
	return group, nil
}

// leftovers is what clean-up learns from settings and intent records about things an
// interrupted run made but did not get to record.
type leftovers struct {
	secretName string            // a Secret Server secret VaultLink was creating
	vaults     []string          // name@region of vault links VaultLink was creating
	user       string            // the IAM user, for the keyring entries of its keys
	settings   map[string]string // a copy
}

// leftoversLocked fills in the clean-up targets an interrupted run did not record: the user
// and policy by their names (clean-up still removes them only if they carry VaultLink's
// ownership tag), the group when an intent record says VaultLink was creating it. Call with
// s.mu held.
func (s *Session) leftoversLocked(t *CleanupTargets) leftovers {
	out, set := s.state.Outputs, s.state.Settings
	if t.User == "" {
		t.User = set["user_name"]
	}
	if g := set["group_name"]; t.Group == "" && (out[intentKey("group", g)] != "" || out[createdKey("group", g)] == "yes") {
		t.Group = g // made (or being made) before the step could record its name
	}
	if t.Group != "" && (out[intentKey("group", t.Group)] != "" || out[createdKey("group", t.Group)] == "yes") {
		t.GroupOwned = true
	}
	if t.PolicyARN == "" && set["group_policy"] == "custom" && out[outAccount] != "" {
		partition := "aws"
		if p := strings.Split(out[outCaller], ":"); len(p) > 1 && p[1] != "" {
			partition = p[1]
		}
		t.PolicyARN = "arn:" + partition + ":iam::" + out[outAccount] + ":policy/" + set["policy_name"]
	}
	l := leftovers{user: t.User}
	if out[intentKey("secret", set["secret_name"])] != "" {
		l.secretName = set["secret_name"]
	}
	for k := range out {
		if v, ok := strings.CutPrefix(k, "intent:vault:"); ok {
			l.vaults = append(l.vaults, v)
		}
	}
	return l
}

// cleanupIntended removes, found by name, the Secret Server secret and vault links an
// interrupted run was creating (its intent record says so) but did not record.
func (s *Session) cleanupIntended(ctx context.Context, l leftovers, report func(string)) {
	ss := s.svc.SecretServer
	if len(l.vaults) > 0 {
		vaults, err := ss.Vaults(ctx)
		if err != nil {
			report(fmt.Sprintf("⚠ could not list the external vault links (%v): check External Secrets → External Vaults in Secret Server for one VaultLink left", RedactError(err)))
		}
		for _, v := range vaults {
			if slices.Contains(l.vaults, strings.ToLower(v.Name+"@"+v.Region)) {
				if err := ss.DeleteVault(ctx, v.ID); err != nil {
					report(fmt.Sprintf("⚠ the external vault link (id %d) could not be removed (%v): remove it in Secret Server under External Secrets → External Vaults", v.ID, RedactError(err)))
				} else {
					report(fmt.Sprintf("removed the external vault link (id %d) an interrupted run had made", v.ID))
				}
			}
		}
	}
	if l.secretName != "" {
		sec, err := ss.FindSecretByName(ctx, l.secretName)
		switch {
		case err != nil:
			report(fmt.Sprintf("⚠ could not look for the secret %q (%v): check All Secrets in Secret Server", l.secretName, RedactError(err)))
		case sec != nil:
			if err := ss.DeleteSecret(ctx, sec.ID); err != nil {
				report(fmt.Sprintf("⚠ the Secret Server secret (id %d) could not be removed (%v): delete it in Secret Server under All Secrets", sec.ID, RedactError(err)))
			} else {
				report(fmt.Sprintf("deleted the Secret Server secret (id %d) an interrupted run had made", sec.ID))
			}
		}
	}
}

// forgetDeletedKeys removes the keyring entries of the keys clean-up deleted: the recorded
// one and any whose entry an interrupted run wrote before it could record the key.
func (s *Session) forgetDeletedKeys(ctx context.Context, user string, before []KeyMeta, ref string, report func(string)) error {
	kr := s.svc.Keyring
	refs := []string{}
	if ref != "" {
		refs = append(refs, ref)
	}
	if len(before) > 0 {
		after, err := s.svc.IAM.AccessKeys(ctx, user)
		if err != nil {
			after = nil // the user is gone, and its keys with it
		}
		for _, k := range before {
			r := KeyringRef(user, k.ID)
			if !slices.ContainsFunc(after, func(a KeyMeta) bool { return a.ID == k.ID }) && !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
	}
	removed := false
	for _, r := range refs {
		if err := kr.Remove(r); err != nil {
			return fmt.Errorf("AWS is clean, but the keyring entry %s could not be removed: %w", r, err)
		}
		removed = true
	}
	if removed {
		report("removed the secret access key from " + kr.Name())
	}
	return nil
}
