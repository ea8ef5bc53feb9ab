package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// An action is the live work behind a step: preview says what will happen, run does it
// (adopting what exists), verifies it by reading back, and returns the record. The actions
// themselves live by area: steps_iam.go (modules 1, 4 and 5), steps_secretserver.go (2, 3
// and 6) and steps_guided.go (the web-console fallback of 3 and 6).
type action struct {
	preview func(r *run) []string
	run     func(ctx context.Context, r *run) (StepRecord, error)
	// manual, for external-vault steps, is the guided fallback when the server has no
	// external-vault API: the click path, then confirm verifies what can be verified.
	manual  func(r *run) ManualStep
	confirm func(ctx context.Context, r *run) (StepRecord, error)
	// prepare, when set, records what confirm compares against when the guided step is shown.
	prepare func(ctx context.Context, r *run) error
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
	"ss.sync":                   {preview: previewSync, run: runSync, manual: manualSync, confirm: confirmSync, prepare: prepareManualSync},
}

// run is the context one action invocation works in. svc is a snapshot taken when the
// operation started: a connection switch cannot change it halfway.
type run struct {
	s        *Session
	ref      StepRef
	svc      Services
	progress func(string)
}

func (s *Session) newRun(ref StepRef, progress func(string)) *run {
	if progress == nil {
		progress = func(string) {}
	}
	return &run{s: s, ref: ref, svc: s.services(), progress: progress}
}

// set returns a setting (the admin's input).
func (r *run) set(name string) string { return r.s.Setting(name) }

// got returns what earlier steps recorded.
func (r *run) got() Progress { return r.s.Progress() }

// record changes the progress and saves at once, so that a crash later in the step (after a
// key went into the keyring, say) still remembers what was made.
func (r *run) record(fn func(p *Progress)) error {
	return r.s.commit(func(st *State) { fn(&st.Progress) })
}

// journal records an entity the step made or took over, with any progress that goes with it,
// in one save.
func (r *run) journal(e JournalEntry, fn func(p *Progress)) error {
	at := r.s.now()
	return r.s.commit(func(st *State) {
		e.At = at
		st.Journal = journalPut(st.Journal, e)
		if fn != nil {
			fn(&st.Progress)
		}
	})
}

// adopt says whether an existing entity may be used: the admin agreed (per entity, or with the
// plan's adopt_existing), or the journal shows this progress made or took it over before.
func (r *run) adopt(kind EntityKind, name string) bool {
	if r.set("adopt_existing") == "yes" {
		return true
	}
	ref := EntityRef{Kind: kind, Name: name}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	// An intent alone does not make an entity VaultLink's: the name may have been taken by
	// someone else all along (reconcile.go decides per kind what an intent proves).
	e, inJournal := journalFind(r.s.state.Journal, ref)
	return (inJournal && !e.Intent) || slices.ContainsFunc(r.s.state.Consents, ref.same)
}

// need returns v, or explains which earlier step establishes it when it is not known yet.
func need[T string | int](v T, what, step string) (T, error) {
	var zero T
	if v == zero {
		return zero, fmt.Errorf("%s is not known yet: run %q first", what, step)
	}
	return v, nil
}

// KeyringRef is the keyring entry name for an access key's secret.
func KeyringRef(user, keyID string) string { return "aws/" + user + "/" + keyID }

// MaskKeyID shows enough of an access key id to recognise it, never all of it.
func MaskKeyID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("•", len(id))
	}
	return id[:4] + strings.Repeat("•", len(id)-8) + id[len(id)-4:]
}

func adoptedOr(created bool, made, adopted string) string {
	if created {
		return made
	}
	return adopted
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// presence turns a probe's answer into the recorded form.
func presence(offered bool) APIPresence {
	if offered {
		return APIOffered
	}
	return APIAbsent
}
