package wizard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Crash safety. A step can be cut off anywhere: the process killed, the network gone. Every
// create is therefore preceded by an intent entry in the journal (JournalEntry.Intent, saved
// before the call), and every run first reconciles what exists with what the journal and the
// keyring say, so a rerun adopts what an interrupted run made and never makes a second one,
// and clean-up finds it even when no rerun came first.

// ErrNotInKeyring is what a Keyring's Load wraps when it has no entry under the ref: the entry
// is known to be absent, as opposed to a keyring that is locked or does not answer (when
// nothing may be concluded, and so nothing is deleted).
var ErrNotInKeyring = errors.New("no entry")

// journalGet returns the journal entry for ref.
func (s *Session) journalGet(ref EntityRef) (JournalEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return journalFind(s.state.Journal, ref)
}

// intended says whether an earlier run recorded that it was about to create the entity and
// nothing has confirmed it since.
func (r *run) intended(kind EntityKind, name string) bool {
	e, ok := r.s.journalGet(EntityRef{kind, name})
	return ok && e.Intent
}

// intend records in the journal, before a create call, that VaultLink is about to create the
// entity. The state is saved before the call is made.
func (r *run) intend(e JournalEntry) error {
	e.Intent = true
	return r.journal(e, nil)
}

// keyIntent names the journal entry of an access key being created for user (the key's id is
// not known until AWS answers).
func keyIntent(user string) EntityRef { return EntityRef{KindAccessKey, "intent:" + user} }

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
	reuse   *AccessKey        // a key VaultLink made whose secret is in the keyring
	live    []KeyMeta         // the keys left on the user
	tags    map[string]string // the user's tags as read, so the step need not read them again
	notices []string
}

// reconcileKeys compares the user's access keys with the journal and the keyring:
//   - a key VaultLink made (the journal names it, its intent record says it appeared after,
//     or its description tag is VaultLink's) whose secret is in the keyring is reused;
//   - one whose secret is in no keyring entry is an orphan: deleted with consent, otherwise an
//     *OrphanKeysError;
//   - a keyring entry the progress names for a key AWS no longer has is removed.
//
// A keyring that fails (rather than saying "no such entry") stops the step: nothing is
// concluded from a keyring that cannot be read.
func reconcileKeys(ctx context.Context, r *run, user string, keys []KeyMeta) (keyReconcile, error) {
	iam, kr := r.svc.IAM, r.svc.Keyring
	var res keyReconcile
	p := r.got()
	recorded := p.AccessKeyID
	if recorded != "" && !slices.ContainsFunc(keys, func(k KeyMeta) bool { return k.ID == recorded }) {
		ref := p.KeyringRef
		if ref == "" {
			ref = KeyringRef(user, recorded)
		}
		if err := kr.Remove(ref); err != nil {
			return res, fmt.Errorf("access key %s no longer exists in AWS, and its keyring entry could not be removed: %w", MaskKeyID(recorded), err)
		}
		if err := r.record(func(p *Progress) { p.AccessKeyID, p.KeyringRef = "", "" }); err != nil {
			return res, err
		}
		res.notices = append(res.notices, fmt.Sprintf("removed the keyring entry of access key %s: that key no longer exists in AWS", MaskKeyID(recorded)))
		recorded = ""
	}
	tags, err := iam.UserTags(ctx, user)
	if err != nil {
		return res, err
	}
	res.tags = tags
	intent, hasIntent := r.s.journalGet(keyIntent(user))
	hasIntent = hasIntent && intent.Intent
	desc := r.set("description_tag")
	var orphans []string
	kept := r.s.keptKeys()
	for _, k := range keys {
		if keptKey(kept, k.ID) {
			// Retired by a rotation on purpose (--keep-old): neither reused nor an orphan.
			res.live = append(res.live, k)
			continue
		}
		_, journaled := r.s.journalGet(EntityRef{KindAccessKey, k.ID})
		ours := k.ID == recorded || journaled || (hasIntent && !slices.Contains(intent.Before, k.ID)) || (desc != "" && tags[k.ID] == desc)
		if !ours {
			res.live = append(res.live, k)
			continue
		}
		sec, err := kr.Load(KeyringRef(user, k.ID))
		switch {
		case err == nil && !sec.Empty() && res.reuse == nil:
			res.reuse = &AccessKey{ID: k.ID, Secret: sec}
			res.live = append(res.live, k)
		case err == nil || errors.Is(err, ErrNotInKeyring):
			// No secret, or a second VaultLink key when one is enough.
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
// it again; only then is the key recorded (by record, which settles the intent). If the
// keyring refuses the secret, the key is deleted at once: nobody could ever use it.
func createKeyIntoKeyring(ctx context.Context, r *run, user string, live []KeyMeta, record func(keyID string) error) (AccessKey, error) {
	iam, kr := r.svc.IAM, r.svc.Keyring
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
	if err := r.intend(JournalEntry{EntityRef: keyIntent(user), Before: before}); err != nil {
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
		return AccessKey{}, fmt.Errorf("%s. VaultLink deleted that key again, since nobody could ever use it. Make the keyring usable (unlock it, or start it) and run this step again", why)
	}
	if err := record(key.ID); err != nil {
		// The secret is in the keyring under a name derived from the key, so the next run
		// finds and reuses the key even though this record was not written.
		return AccessKey{}, fmt.Errorf("access key %s is stored in %s, but the progress file could not be written: %w", MaskKeyID(key.ID), kr.Name(), err)
	}
	return key, nil
}

// adoptKey records the key and its keyring entry as VaultLink's and as the integration's key,
// and settles the intent.
func (r *run) adoptKey(user, keyID string, created bool) error {
	ref := KeyringRef(user, keyID)
	return r.recordKey(user, keyID, created, func(st *State) { st.Progress.AccessKeyID, st.Progress.KeyringRef = keyID, ref })
}

// recordKey journals the key and its keyring entry as VaultLink's, settles the intent, and
// applies also (what the caller records with it) in the same save.
func (r *run) recordKey(user, keyID string, created bool, also func(st *State)) error {
	ref := KeyringRef(user, keyID)
	at := r.s.now()
	return r.s.commit(func(st *State) {
		st.Journal = journalPut(st.Journal, JournalEntry{EntityRef: EntityRef{KindAccessKey, keyID}, ID: keyID, Created: created, At: at})
		st.Journal = journalPut(st.Journal, JournalEntry{EntityRef: EntityRef{KindKeyringEntry, ref}, Created: true, At: at})
		st.Journal = slices.DeleteFunc(st.Journal, func(e JournalEntry) bool { return e.same(keyIntent(user)) })
		also(st)
	})
}

// ensureGroupCrashSafe ensures the group with the intent hook in place: the service reports
// right before CreateGroup, the intent is saved, and a rerun after a crash between the create
// and the journal entry adopts the group as VaultLink's instead of calling it someone else's.
func ensureGroupCrashSafe(ctx context.Context, r *run, name string) (Entity, bool, error) {
	intended := r.intended(KindGroup, name)
	hooked := WithIntent(ctx, func(kind, n string) error {
		return r.intend(JournalEntry{EntityRef: EntityRef{KindGroup, n}})
	})
	group, err := r.svc.IAM.EnsureGroup(hooked, name, r.adopt(KindGroup, name) || intended)
	if err != nil {
		return Entity{}, false, err
	}
	return group, group.Created || intended, nil
}

// policyARN is the ARN a customer managed policy of that name has in the progress's account.
func policyARN(p Progress, name string) string {
	if p.AccountID == "" || name == "" {
		return ""
	}
	partition := "aws"
	if parts := strings.Split(p.CallerARN, ":"); len(parts) > 1 && parts[1] != "" {
		partition = parts[1]
	}
	return "arn:" + partition + ":iam::" + p.AccountID + ":policy/" + name
}

// cleanupIntended removes, found by name, the Secret Server secret and vault links an
// interrupted run was creating (its intent entry says so) but did not record.
func (s *Session) cleanupIntended(ctx context.Context, plan cleanupPlan, report func(string)) {
	ss := s.services().SecretServer
	if len(plan.intendedVaults) > 0 {
		vaults, err := ss.Vaults(ctx)
		if err != nil {
			report(fmt.Sprintf("⚠ could not list the external vault links (%v): check External Secrets → External Vaults in Secret Server for one VaultLink left", RedactError(err)))
		}
		for _, v := range vaults {
			if slices.ContainsFunc(plan.intendedVaults, func(n string) bool { return strings.EqualFold(n, v.Name) }) {
				if err := ss.DeleteVault(ctx, v.ID); err != nil {
					report(fmt.Sprintf("⚠ the external vault link (id %d) could not be removed (%v): remove it in Secret Server under External Secrets → External Vaults", v.ID, RedactError(err)))
				} else {
					report(fmt.Sprintf("removed the external vault link %s (id %d) an interrupted run had made", v.Name, v.ID))
				}
			}
		}
	}
	for _, name := range plan.intendedSecrets {
		sec, err := ss.FindSecretByName(ctx, name)
		switch {
		case err != nil:
			report(fmt.Sprintf("⚠ could not look for the secret %q (%v): check All Secrets in Secret Server", name, RedactError(err)))
		case sec != nil:
			if err := ss.DeleteSecret(ctx, sec.ID); err != nil {
				report(fmt.Sprintf("⚠ the Secret Server secret (id %d) could not be removed (%v): delete it in Secret Server under All Secrets", sec.ID, RedactError(err)))
			} else {
				report(fmt.Sprintf("deleted the Secret Server secret %q (id %d) an interrupted run had made", name, sec.ID))
			}
		}
	}
}

// userKeys lists the access keys of the users clean-up may remove, before it does.
func (s *Session) userKeys(ctx context.Context, users []string) map[string][]KeyMeta {
	out := map[string][]KeyMeta{}
	for _, u := range users {
		if keys, err := s.services().IAM.AccessKeys(ctx, u); err == nil {
			out[u] = keys
		}
	}
	return out
}

// forgetDeletedKeys removes the keyring entries in the journal, and those of every key
// clean-up deleted: an interrupted run may have written an entry before it could record it.
func (s *Session) forgetDeletedKeys(ctx context.Context, before map[string][]KeyMeta, journaled []string, report func(string)) error {
	kr := s.services().Keyring
	refs := slices.Clone(journaled)
	for user, keys := range before {
		after, err := s.services().IAM.AccessKeys(ctx, user)
		if err != nil {
			after = nil // the user is gone, and its keys with it
		}
		for _, k := range keys {
			if r := KeyringRef(user, k.ID); !slices.ContainsFunc(after, func(a KeyMeta) bool { return a.ID == k.ID }) && !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
	}
	for _, r := range refs {
		if err := kr.Remove(r); err != nil {
			return fmt.Errorf("AWS is clean, but the keyring entry %s could not be removed: %w", r, err)
		}
		report("removed the secret access key " + r + " from " + kr.Name())
	}
	return nil
}
