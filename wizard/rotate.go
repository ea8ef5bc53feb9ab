package wizard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Key rotation, in the order AWS recommends for a key an application uses: make a second key,
// move the application (Secret Server's secret) to it, check that it works, deactivate the old
// key, check again (a sync), and only then delete the old key. Every stage is saved in
// State.Rotation before the next begins, and every stage first looks whether its effect is
// already there, so a rotation cut off anywhere resumes where it stopped and does nothing
// twice. The crash-safety rules of the access key step apply to the new key: its intent is
// saved before CreateAccessKey, and its secret goes into the keyring before anything else.

// RotationStage is the last stage a rotation finished.
type RotationStage string

const (
	RotationStarted        RotationStage = "started"             // the old key is known; the new one is being made
	RotationKeyStored      RotationStage = "new-key-stored"      // the new key exists and its secret is in the keyring
	RotationSecretUpdated  RotationStage = "secret-updated"      // Secret Server's secret holds the new key
	RotationVerified       RotationStage = "new-key-verified"    // AWS accepts it, and Secret Server connects with it
	RotationOldDeactivated RotationStage = "old-key-deactivated" // the old key is inactive
	RotationSyncVerified   RotationStage = "sync-verified"       // a sync worked with the new key alone
)

var rotationOrder = []RotationStage{RotationStarted, RotationKeyStored, RotationSecretUpdated, RotationVerified, RotationOldDeactivated, RotationSyncVerified}

// Rotation is a key rotation under way.
type Rotation struct {
	User     string        `json:"user"`
	OldKeyID string        `json:"oldKeyId"`
	NewKeyID string        `json:"newKeyId,omitempty"`
	Stage    RotationStage `json:"stage"`
	// KeepOld keeps the old key inactive this long instead of deleting it (0: delete it).
	KeepOld time.Duration `json:"keepOld,omitempty"`
	Started time.Time     `json:"started"`
}

// reached says whether the rotation has finished stage st.
func (r *Rotation) reached(st RotationStage) bool {
	return slices.Index(rotationOrder, r.Stage) >= slices.Index(rotationOrder, st)
}

// KeptKey is an old key a rotation left inactive on purpose, until a date.
type KeptKey struct {
	ID    string    `json:"id"`
	Until time.Time `json:"until"`
}

// RotateOptions are the admin's choices for a rotation.
type RotateOptions struct {
	// KeepOld keeps the old key inactive this long instead of deleting it. A resumed rotation
	// keeps the choice it started with unless another one is given.
	KeepOld time.Duration
}

// RotateReport is what a rotation did, stage by stage. It never holds a secret.
type RotateReport struct {
	OldKeyID string
	NewKeyID string
	Done     []string  // what happened, in order
	Notes    []string  // what could not be verified, and why
	KeptTill time.Time // non-zero: the old key is kept, inactive, until then
}

// TooManyKeysError says the user already has the two access keys AWS allows, so there is no
// room for the new key. Nothing was changed.
type TooManyKeysError struct {
	User    string
	Current string // the integration's key
	Other   KeyMeta
	Kept    *KeptKey // set when the other key is one a rotation kept on purpose
}

func (e *TooManyKeysError) Error() string {
	why := "VaultLink does not know it"
	if e.Kept != nil {
		why = "VaultLink keeps it inactive until " + e.Kept.Until.UTC().Format("2006-01-02") + " (--keep-old); the first rotation after that date deletes it"
	}
	return fmt.Sprintf("IAM user %s already has two access keys, the most AWS allows: %s (the integration's key, in Secret Server) and %s (%s, created %s; %s). A rotation needs room for the new key, and nothing was changed. "+
		"Delete %s if nothing uses it any more (see when it was last used: aws iam get-access-key-last-used --access-key-id %s; then aws iam delete-access-key --user-name %s --access-key-id %s), and rotate again",
		e.User, MaskKeyID(e.Current), MaskKeyID(e.Other.ID), orDefault(e.Other.Status, "status unknown"), e.Other.Created.UTC().Format("2006-01-02"), why,
		MaskKeyID(e.Other.ID), e.Other.ID, e.User, e.Other.ID)
}

// RotationUnderway returns the rotation in progress, if any (a copy).
func (s *Session) RotationUnderway() (Rotation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Rotation == nil {
		return Rotation{}, false
	}
	return *s.state.Rotation, true
}

// RotationPreview says, stage by stage, what a rotation will do (or, resumed, still do).
func (s *Session) RotationPreview() []string {
	p := s.Progress()
	kr := s.services().Keyring.Name()
	lines := []string{
		fmt.Sprintf("iam:ListAccessKeys %s: stop and explain if the user already has two keys", orDefault(p.UserName, "<user>")),
		"iam:CreateAccessKey: the new secret access key goes straight into " + kr + " and is never shown",
		"write the new access key ID and secret key into the Secret Server secret, then read it back and compare",
		"check that AWS accepts the new key (new keys take a few seconds) and that Secret Server connects with it",
		"iam:UpdateAccessKey: deactivate the old key " + MaskKeyID(p.AccessKeyID),
		"run module 6's sync with the new key alone, verified on the other side",
		"iam:DeleteAccessKey: delete the old key (or keep it inactive for the days chosen), and remove its secret from " + kr,
	}
	if rot, ok := s.RotationUnderway(); ok {
		lines = append([]string{fmt.Sprintf("resumes the rotation of %s that stopped after stage %q", MaskKeyID(rot.OldKeyID), rot.Stage)}, lines...)
	}
	return lines
}

// RotateKey replaces the integration's access key with a new one, resuming a rotation that
// was interrupted. progress gets passing messages (waits); the report lists what was done.
func (s *Session) RotateKey(ctx context.Context, opts RotateOptions, progress func(string)) (RotateReport, error) {
	end, err := s.exclusive()
	if err != nil {
		return RotateReport{}, err
	}
	defer end()
	ref := StepRef{Module: "rotate"}
	say := func(msg string) {
		if progress != nil {
			progress(msg)
		}
		s.emit(ref, "progress", msg)
	}
	var rep RotateReport
	done := func(msg string) { rep.Done = append(rep.Done, msg); say(msg) }
	note := func(msg string) { rep.Notes = append(rep.Notes, msg); say(msg) }
	s.emit(ref, "info", "Key rotation started")
	rt := &rotation{r: s.newRun(ref, say), opts: opts, rep: &rep, done: done, note: note}
	// Errors quote servers; nothing secret-looking goes on to the screen, log or state.
	if err := RedactError(rt.run(ctx)); err != nil {
		s.emit(ref, "error", "Key rotation stopped: "+err.Error())
		return rep, err
	}
	s.emit(ref, "done", "Key rotation finished: the integration uses "+MaskKeyID(rep.NewKeyID))
	return rep, nil
}

// rotation is one invocation of RotateKey.
type rotation struct {
	r          *run
	opts       RotateOptions
	rep        *RotateReport
	done, note func(string)
	rot        *Rotation // the saved record, kept in step with the state
}

// save applies fn to the rotation record (and the state) in one save.
func (rt *rotation) save(fn func(st *State)) error {
	return rt.r.s.commit(func(st *State) {
		fn(st)
		if st.Rotation != nil {
			c := *st.Rotation
			rt.rot = &c
		} else {
			rt.rot = nil
		}
	})
}

func (rt *rotation) stage(st RotationStage) error {
	return rt.save(func(s *State) { s.Rotation.Stage = st })
}

func (rt *rotation) run(ctx context.Context) error {
	r := rt.r
	p := r.got()
	user, err := need(p.UserName, "the IAM user", "Create the IAM user (module 1)")
	if err != nil {
		return err
	}
	if _, err := need(p.SecretID, "the Secret Server secret", "Create the secret (module 2)"); err != nil {
		return err
	}
	keys, err := r.svc.IAM.AccessKeys(ctx, user)
	if err != nil {
		return err
	}
	if cur, ok := r.s.RotationUnderway(); ok {
		rt.rot = &cur
		if rt.opts.KeepOld > 0 && rt.opts.KeepOld != cur.KeepOld {
			if err := rt.save(func(st *State) { st.Rotation.KeepOld = rt.opts.KeepOld }); err != nil {
				return err
			}
		}
		rt.done(fmt.Sprintf("Resuming the rotation of access key %s, which stopped after stage %q", MaskKeyID(cur.OldKeyID), cur.Stage))
	} else if keys, err = rt.start(ctx, user, keys); err != nil {
		return err
	}
	rt.rep.OldKeyID = rt.rot.OldKeyID
	if err := rt.newKey(ctx, user, keys); err != nil {
		return err
	}
	rt.rep.NewKeyID = rt.rot.NewKeyID
	steps := []struct {
		after RotationStage
		do    func(context.Context, string) error
	}{
		{RotationSecretUpdated, rt.updateSecret},
		{RotationVerified, rt.verify},
		{RotationOldDeactivated, rt.deactivateOld},
		{RotationSyncVerified, rt.verifySync},
	}
	for _, s := range steps {
		if rt.rot.reached(s.after) {
			continue
		}
		if err := s.do(ctx, user); err != nil {
			return err
		}
		if err := rt.stage(s.after); err != nil {
			return err
		}
	}
	return rt.finish(ctx, user)
}

// start checks there is a key to rotate and room for a second one, and records the rotation.
func (rt *rotation) start(ctx context.Context, user string, keys []KeyMeta) ([]KeyMeta, error) {
	r := rt.r
	p := r.got()
	old, err := need(p.AccessKeyID, "the access key", "Create the access key (module 1)")
	if err != nil {
		return nil, err
	}
	if keys, err = rt.deleteExpiredKept(ctx, user, keys); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(keys, func(k KeyMeta) bool { return k.ID == old }) {
		return nil, fmt.Errorf("the integration's access key %s no longer exists in AWS, so there is nothing to rotate: run module 1's access key step (vaultlink apply, or Run in the window), which makes and stores a new key, then module 2's secret step", MaskKeyID(old))
	}
	if len(keys) >= 2 {
		i := slices.IndexFunc(keys, func(k KeyMeta) bool { return k.ID != old })
		e := &TooManyKeysError{User: user, Current: old, Other: keys[i]}
		kept := r.s.keptKeys()
		if j := slices.IndexFunc(kept, func(k KeptKey) bool { return k.ID == keys[i].ID }); j >= 0 {
			e.Kept = &kept[j]
		}
		return nil, e
	}
	now := r.s.now()
	err = rt.save(func(st *State) {
		st.Rotation = &Rotation{User: user, OldKeyID: old, Stage: RotationStarted, KeepOld: rt.opts.KeepOld, Started: now}
	})
	if err != nil {
		return nil, fmt.Errorf("record the rotation (nothing was changed): %w", err)
	}
	rt.done(fmt.Sprintf("Rotation of access key %s started", MaskKeyID(old)))
	return keys, nil
}

// deleteExpiredKept deletes the old keys earlier rotations kept whose time is up: they are
// VaultLink's, inactive, and count toward AWS's limit of two keys.
func (rt *rotation) deleteExpiredKept(ctx context.Context, user string, keys []KeyMeta) ([]KeyMeta, error) {
	r := rt.r
	now := r.s.now()
	for _, k := range r.s.keptKeys() {
		if now.Before(k.Until) {
			continue
		}
		if err := r.svc.IAM.DeleteAccessKey(ctx, user, k.ID); err != nil {
			return nil, fmt.Errorf("delete the old access key %s kept until %s: %w", MaskKeyID(k.ID), k.Until.UTC().Format("2006-01-02"), err)
		}
		id := k.ID
		err := r.s.commit(func(st *State) {
			st.KeptKeys = slices.DeleteFunc(st.KeptKeys, func(x KeptKey) bool { return x.ID == id })
			st.Journal = slices.DeleteFunc(st.Journal, func(e JournalEntry) bool { return e.same(EntityRef{KindAccessKey, id}) })
		})
		if err != nil {
			return nil, err
		}
		keys = slices.DeleteFunc(keys, func(x KeyMeta) bool { return x.ID == id })
		rt.done(fmt.Sprintf("Deleted the old access key %s, kept inactive until %s", MaskKeyID(id), k.Until.UTC().Format("2006-01-02")))
	}
	return keys, nil
}

// newKey makes sure the rotation has its new key, with the secret in the keyring: one an
// interrupted run made is found (its intent names the keys that existed before it), one
// whose secret was lost is an orphan (deleted only with consent, as in module 1), and
// otherwise a key is created.
func (rt *rotation) newKey(ctx context.Context, user string, keys []KeyMeta) error {
	r := rt.r
	kr := r.svc.Keyring
	if id := rt.rot.NewKeyID; id != "" {
		_, err := kr.Load(KeyringRef(user, id))
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, ErrNotInKeyring):
			return fmt.Errorf("cannot read the secret of the new access key %s, because %s did not answer: %w", MaskKeyID(id), kr.Name(), err)
		case rt.rot.reached(RotationSecretUpdated):
			// Secret Server holds the secret now; VaultLink's copy is gone, which only the
			// health check needs. The rotation can finish.
			rt.note(fmt.Sprintf("the keyring entry of the new key %s is missing; Secret Server holds the key, so the rotation goes on", MaskKeyID(id)))
			return nil
		}
		// Made, but its secret is in no keyring entry: nobody can use it.
		if err := rt.replaceOrphans(ctx, user, []string{id}); err != nil {
			return err
		}
		keys = slices.DeleteFunc(keys, func(k KeyMeta) bool { return k.ID == id })
		if err := rt.save(func(st *State) { st.Rotation.NewKeyID, st.Rotation.Stage = "", RotationStarted }); err != nil {
			return err
		}
	}
	if intent, ok := r.s.journalGet(keyIntent(user)); ok && intent.Intent {
		var orphans []string
		for _, k := range keys {
			if k.ID == rt.rot.OldKeyID || slices.Contains(intent.Before, k.ID) {
				continue
			}
			sec, err := kr.Load(KeyringRef(user, k.ID))
			switch {
			case err == nil && !sec.Empty():
				rt.done(fmt.Sprintf("Found the new access key %s an interrupted run made; its secret is in %s", MaskKeyID(k.ID), kr.Name()))
				return rt.keyStored(user, k.ID)
			case err == nil || errors.Is(err, ErrNotInKeyring):
				orphans = append(orphans, k.ID)
			default:
				return fmt.Errorf("cannot tell whether access key %s is usable, because %s did not answer: %w", MaskKeyID(k.ID), kr.Name(), err)
			}
		}
		if len(orphans) > 0 {
			if err := rt.replaceOrphans(ctx, user, orphans); err != nil {
				return err
			}
			keys = slices.DeleteFunc(keys, func(k KeyMeta) bool { return slices.Contains(orphans, k.ID) })
		}
	}
	if len(keys) >= 2 {
		i := slices.IndexFunc(keys, func(k KeyMeta) bool { return k.ID != rt.rot.OldKeyID })
		return &TooManyKeysError{User: user, Current: rt.rot.OldKeyID, Other: keys[i]}
	}
	key, err := createKeyIntoKeyring(ctx, r, user, keys, func(id string) error { return rt.keyStored(user, id) })
	if err != nil {
		return err
	}
	rt.done(fmt.Sprintf("Created the new access key %s; its secret went straight into %s (never shown)", MaskKeyID(key.ID), kr.Name()))
	return nil
}

// keyStored records id as the rotation's new key, its secret in the keyring (with the key's
// journal entries, in one save).
func (rt *rotation) keyStored(user, id string) error {
	err := rt.r.recordKey(user, id, true, func(st *State) {
		if st.Rotation != nil {
			st.Rotation.NewKeyID, st.Rotation.Stage = id, RotationKeyStored
		}
	})
	if cur, ok := rt.r.s.RotationUnderway(); ok {
		rt.rot = &cur
	}
	return err
}

// replaceOrphans deletes keys nobody holds the secret of, with the admin's consent.
func (rt *rotation) replaceOrphans(ctx context.Context, user string, ids []string) error {
	r := rt.r
	if r.set("replace_orphan_keys") != "yes" {
		return &OrphanKeysError{User: user, Keys: ids}
	}
	for _, id := range ids {
		if err := r.svc.IAM.DeleteAccessKey(ctx, user, id); err != nil {
			return fmt.Errorf("delete the orphaned access key %s: %w", MaskKeyID(id), err)
		}
		if err := r.svc.Keyring.Remove(KeyringRef(user, id)); err != nil {
			return err
		}
		rt.done(fmt.Sprintf("Deleted orphaned access key %s (VaultLink made it, but its secret was never stored, so nobody could use it)", MaskKeyID(id)))
	}
	return nil
}

// updateSecret writes the new key into Secret Server's secret (both fields), reads it back,
// and makes the new key the integration's key in the record.
func (rt *rotation) updateSecret(ctx context.Context, user string) error {
	r := rt.r
	iam, kr, ss := r.svc.IAM, r.svc.Keyring, r.svc.SecretServer
	p := r.got()
	id := rt.rot.NewKeyID
	ref := KeyringRef(user, id)
	secret, err := kr.Load(ref)
	if err != nil {
		return fmt.Errorf("the secret of the new access key %s could not be read from %s: %w", MaskKeyID(id), kr.Name(), err)
	}
	// The console's description tag goes with the key (DeleteAccessKey removes the old one's).
	if desc := r.set("description_tag"); desc != "" {
		tags, err := iam.UserTags(ctx, user)
		if err != nil {
			return err
		}
		if tags[id] != desc {
			if err := iam.TagUser(ctx, user, id, desc); err != nil {
				return fmt.Errorf("the new key's description tag could not be set: %w", err)
			}
		}
	}
	ak, sk := p.Template.AccessKey, p.Template.SecretKey
	holds := func(fields map[string]Secret) bool {
		return fields[ak.Slug].Reveal() == id && fields[sk.Slug].Equal(secret)
	}
	fields, err := ss.SecretFields(ctx, p.SecretID)
	if err != nil {
		return err
	}
	if !holds(fields) {
		r.progress("Writing the new key into the Secret Server secret")
		err := ss.UpdateSecretFields(ctx, p.SecretID, []FieldValue{
			{FieldID: ak.ID, Slug: ak.Slug, Value: NewSecret(id)},
			{FieldID: sk.ID, Slug: sk.Slug, Value: secret},
		})
		if err != nil {
			return fmt.Errorf("%w. The old key still works and Secret Server still uses it; run the rotation again to go on", err)
		}
		if fields, err = ss.SecretFields(ctx, p.SecretID); err != nil {
			return err
		}
		if !holds(fields) {
			return fmt.Errorf("verify: the Secret Server secret (id %d) does not hold the new key after writing it", p.SecretID)
		}
	}
	err = r.s.commit(func(st *State) {
		st.Progress.AccessKeyID, st.Progress.KeyringRef = id, ref
	})
	if err != nil {
		return err
	}
	rt.done(fmt.Sprintf("The Secret Server secret %q (id %d) now holds access key %s and its secret key (read back and compared in memory)", r.set("secret_name"), p.SecretID, MaskKeyID(id)))
	return nil
}

// verify checks that AWS accepts the new key as the integration's user, and that Secret
// Server connects to AWS with the secret that now holds it.
func (rt *rotation) verify(ctx context.Context, user string) error {
	r := rt.r
	p := r.got()
	id := rt.rot.NewKeyID
	secret, err := r.svc.Keyring.Load(KeyringRef(user, id))
	if err != nil {
		return fmt.Errorf("the secret of the new access key %s could not be read from %s: %w", MaskKeyID(id), r.svc.Keyring.Name(), err)
	}
	r.progress("Waiting until AWS accepts the new key")
	who, err := r.svc.IAM.WaitForKey(ctx, AccessKey{ID: id, Secret: secret}, r.progress)
	if err != nil {
		return err
	}
	if p.UserARN != "" && who.ARN != p.UserARN {
		return fmt.Errorf("verify: the new key signs in as %s, expected %s", who.ARN, p.UserARN)
	}
	rt.done("AWS accepts the new key (it signs in as " + who.ARN + ")")
	automated, why, err := rt.automated(ctx, 3)
	if err != nil {
		return err
	}
	if !automated {
		rt.note("Secret Server's connection with the new key was not checked (" + why + "): open the vault link in Secret Server and check that it connects")
		return nil
	}
	ls, err := r.svc.SecretServer.LinkSettings(ctx, p.SecretID, orDefault(p.Region, r.set("region")))
	if err != nil {
		return err
	}
	if !ls.Connected {
		return fmt.Errorf("secret server cannot connect to AWS with the new key: %s. The old key %s is still active, so nothing has stopped working; check the key and the region, then run the rotation again", orDefault(ls.Message, "no reason given"), MaskKeyID(rt.rot.OldKeyID))
	}
	rt.done("Secret Server connects to AWS with the new key (● Connected)")
	return nil
}

// automated says whether module n's external-vault work runs on this server's API, and why
// not when it does not.
func (rt *rotation) automated(ctx context.Context, module int) (bool, string, error) {
	caps, err := rt.r.serverCapabilities(ctx)
	if err != nil {
		return false, "", err
	}
	if mode := caps.ModeFor(module); !mode.Automated {
		return false, "this Secret Server's API cannot do it: " + mode.Reason, nil
	}
	if p := rt.r.got(); p.Vault.ID == 0 && !p.Connected {
		return false, "no external vault link was set up through VaultLink", nil
	}
	return true, "", nil
}

func (rt *rotation) deactivateOld(ctx context.Context, user string) error {
	old := rt.rot.OldKeyID
	err := rt.r.svc.IAM.SetAccessKeyStatus(ctx, user, old, false)
	switch {
	case errors.Is(err, ErrNotFound):
		rt.done(fmt.Sprintf("The old access key %s is already gone from AWS", MaskKeyID(old)))
		return nil
	case err != nil:
		return err
	}
	rt.done(fmt.Sprintf("Deactivated the old access key %s (not deleted yet)", MaskKeyID(old)))
	return nil
}

// verifySync runs module 6's sync with the new key alone (the old one is inactive now),
// verified on the other side as module 6 verifies it, and records it as the last sync.
func (rt *rotation) verifySync(ctx context.Context, user string) error {
	r := rt.r
	automated, why, err := rt.automated(ctx, 6)
	if err != nil {
		return err
	}
	if !automated || r.got().Vault.ID == 0 {
		rt.note("No sync was run to verify the new key (" + orDefault(why, "no external vault link is recorded") + "): run one in Secret Server (External Secrets → External Vaults → the vault → Sync)")
		return nil
	}
	r.progress("Running a sync with the new key")
	rec, err := runSync(ctx, r)
	err = RedactError(err)
	rec.At = r.s.now()
	rec.Status = StepDone
	if err != nil {
		rec.Status, rec.Error = StepFailed, err.Error()
		if rec.Summary == "" {
			rec.Summary = "Not completed"
		}
	}
	syncRef := StepRef{Module: "sync", Step: "run-sync"}.String()
	if serr := r.s.commit(func(st *State) { st.Steps[syncRef] = rec }); serr != nil && err == nil {
		return serr
	}
	if err != nil {
		old := rt.rot.OldKeyID
		return fmt.Errorf("the sync with the new key failed: %w. The old key %s is inactive, not deleted: if something else still used it, reactivate it (aws iam update-access-key --user-name %s --access-key-id %s --status Active). Fix the sync, then run the rotation again to finish", err, MaskKeyID(old), user, old)
	}
	rt.done("A sync with the new key worked: " + rec.Summary)
	return nil
}

// finish deletes the old key (or keeps it inactive), removes its keyring entry, and closes
// the rotation.
func (rt *rotation) finish(ctx context.Context, user string) error {
	r := rt.r
	old := rt.rot.OldKeyID
	now := r.s.now()
	var until time.Time
	if rt.rot.KeepOld > 0 {
		until = now.Add(rt.rot.KeepOld)
		rt.done(fmt.Sprintf("Kept the old access key %s, inactive, until %s; the first rotation after that deletes it", MaskKeyID(old), until.UTC().Format("2006-01-02")))
	} else {
		if err := r.svc.IAM.DeleteAccessKey(ctx, user, old); err != nil {
			return fmt.Errorf("%w. The new key works and Secret Server uses it; run the rotation again to delete the old one", err)
		}
		rt.done(fmt.Sprintf("Deleted the old access key %s and its description tag", MaskKeyID(old)))
	}
	oldRef := KeyringRef(user, old)
	if err := r.svc.Keyring.Remove(oldRef); err != nil {
		return fmt.Errorf("the old key's secret could not be removed from %s: %w", r.svc.Keyring.Name(), err)
	}
	rt.done("Removed the old key's secret from " + r.svc.Keyring.Name())
	err := rt.save(func(st *State) {
		st.Journal = slices.DeleteFunc(st.Journal, func(e JournalEntry) bool {
			return e.same(EntityRef{KindKeyringEntry, oldRef}) || (until.IsZero() && e.same(EntityRef{KindAccessKey, old}))
		})
		if !until.IsZero() {
			st.KeptKeys = append(st.KeptKeys, KeptKey{ID: old, Until: until})
		}
		st.Progress.RotatedAt = now
		st.Rotation = nil
	})
	if err != nil {
		return err
	}
	rt.rep.KeptTill = until
	rt.done(fmt.Sprintf("Rotation finished: the integration uses access key %s", MaskKeyID(rt.rep.NewKeyID)))
	return nil
}

// keptKeys are the old keys rotations kept on purpose (a copy).
func (s *Session) keptKeys() []KeptKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state.KeptKeys)
}

// keptKey says whether id is an old key a rotation kept on purpose.
func keptKey(kept []KeptKey, id string) bool {
	return slices.ContainsFunc(kept, func(k KeptKey) bool { return k.ID == id })
}

// rotationBlocks is the error a step that makes or reuses the access key gives while a
// rotation is under way: the two would fight over which key is the integration's.
func (s *Session) rotationBlocks() error {
	rot, ok := s.RotationUnderway()
	if !ok {
		return nil
	}
	return fmt.Errorf("a rotation of access key %s is under way (it stopped after stage %q): finish it first (vaultlink rotate-key, or Rotate the key on the Health page), then run this step again", MaskKeyID(rot.OldKeyID), strings.ReplaceAll(string(rot.Stage), "-", " "))
}
