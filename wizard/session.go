package wizard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Mode says how knowledge checks are treated.
type Mode int

const (
	// Guided is the desktop wizard: every module's check must be passed to unlock the next.
	Guided Mode = iota
	// Unattended is `vaultlink apply`: checks are not asked and are recorded as skipped.
	Unattended
)

// ModuleStatus is where a module stands for the admin.
type ModuleStatus int

const (
	Locked ModuleStatus = iota
	Available
	CheckPending // every step done, the knowledge check not yet passed
	Covered
)

func (s ModuleStatus) String() string {
	return [...]string{"locked", "available", "check pending", "covered"}[s]
}

// Event is one line of the activity log. It never carries a secret value.
type Event struct {
	At    time.Time
	Ref   StepRef
	Level string // "info", "progress", "done", "error"
	Text  string
}

// ErrLocked is returned when a step or check is attempted before its module is unlocked.
var ErrLocked = errors.New("locked")

// ErrBusy is returned when a step is started while another one runs.
var ErrBusy = errors.New("another step is running")

// Session is one admin's walk through the guide: content, state, services and the rules that
// connect them. It is safe for use from several goroutines (the UI runs steps off its own).
type Session struct {
	guide *Guide
	store Store
	mode  Mode

	// saveMu serialises writes of the state file so an older snapshot never overwrites a
	// newer one. It is always taken before mu, never while holding mu.
	saveMu sync.Mutex

	mu  sync.Mutex
	svc Services // replaced only under the exclusive claim (see SwitchAWS)
	// state is the one source of truth; it changes only through commit, or (settings) in
	// memory with dirty set until the next save.
	state     *State
	dirty     bool
	saveTimer *time.Timer
	saveDelay time.Duration
	running   bool
	listeners []func(Event)
	shuffle   *rand.Rand
	// mapClient is the Secret Server client that has been given the kept API map (apimap.go).
	mapClient SecretServer
	// What this session learned once per connection, so steps do not ask again (the call
	// budget, docs/api-budget.md): the AWS identity (for the IAM client it came from) and
	// what signing in to Secret Server found (for mapClient).
	identityOf IAM
	identity   Identity
	ssInfo     ServerInfo
	// linkSettings is module 3's connection check, kept for the link step that follows it.
	linkSettings *keptLinkSettings
}

// DefaultSaveDelay is how long after the last edit of a setting the progress file is saved,
// when nothing else (a step, a page change, closing the window) saved it first.
const DefaultSaveDelay = 2 * time.Second

// NewSession loads (or starts) the state in store.
func NewSession(g *Guide, svc Services, store Store, mode Mode) (*Session, error) {
	if svc.Now == nil {
		svc.Now = time.Now
	}
	st, err := store.Load()
	if err != nil {
		return nil, err
	}
	s := &Session{guide: g, svc: svc, store: store, mode: mode, state: st, saveDelay: DefaultSaveDelay,
		shuffle: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	for _, m := range g.Modules {
		for _, step := range m.Steps {
			for _, in := range step.Inputs {
				if _, ok := st.Settings[in.Name]; !ok {
					st.Settings[in.Name] = g.DefaultFor(in)
					s.dirty = true // the defaults are saved with the first save
				}
			}
		}
	}
	return s, nil
}

// Guide returns the content.
func (s *Session) Guide() *Guide { return s.guide }

// Mode returns the session's mode.
func (s *Session) Mode() Mode { return s.mode }

// Subscribe adds a listener for activity events. Listeners run on the goroutine that caused
// the event and must not block.
func (s *Session) Subscribe(fn func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, fn)
}

func (s *Session) emit(ref StepRef, level, text string) {
	s.mu.Lock()
	ls := append([]func(Event){}, s.listeners...)
	now := s.svc.Now()
	s.mu.Unlock()
	for _, fn := range ls {
		fn(Event{At: now, Ref: ref, Level: level, Text: text})
	}
}

// Setting returns the current value of an input.
func (s *Session) Setting(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Settings[name]
}

// SetSetting validates and stores an input value. A bad value is refused with the reason and
// the previous value is kept.
func (s *Session) SetSetting(name, value string) error {
	in, ok := s.findInput(name)
	if !ok {
		return fmt.Errorf("unknown setting %q", name)
	}
	if err := ValidateInput(in, value); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Settings[name] == value {
		return nil
	}
	// Typing calls this at every keystroke: keep the edit in memory and save later (a step,
	// a page change, closing the window, or a short pause), never on the UI's goroutine.
	s.state.Settings[name] = value
	s.dirty = true
	if s.saveDelay > 0 {
		if s.saveTimer == nil {
			s.saveTimer = time.AfterFunc(s.saveDelay, func() { _ = s.Flush() })
		} else {
			s.saveTimer.Reset(s.saveDelay)
		}
	}
	return nil
}

// SetSaveDelay sets how long after the last edited setting the progress is saved; 0 saves
// edits only when something else saves (a step, Flush, Close).
func (s *Session) SetSaveDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saveDelay = d
}

// Flush saves edited settings now, if there are any. The UI calls it when the page changes
// or the window closes.
func (s *Session) Flush() error {
	s.mu.Lock()
	dirty := s.dirty
	s.mu.Unlock()
	if !dirty {
		return nil
	}
	err := s.commit(nil)
	if err != nil {
		s.emit(StepRef{Module: "settings"}, "error", "Your settings are kept in this window but could not be saved: "+err.Error())
	}
	return err
}

// Close stops the delayed save and saves what is still in memory.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.saveTimer != nil {
		s.saveTimer.Stop()
	}
	s.mu.Unlock()
	return s.Flush()
}

func (s *Session) findInput(name string) (Input, bool) {
	for _, m := range s.guide.Modules {
		for _, st := range m.Steps {
			for _, in := range st.Inputs {
				if in.Name == name {
					return in, true
				}
			}
		}
	}
	return Input{}, false
}

// Progress returns a copy of what the steps recorded (ids, ARNs, the keyring reference).
func (s *Session) Progress() Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Progress
}

// Journal returns a copy of the record of what this progress made or took over.
func (s *Session) Journal() []JournalEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state.Journal)
}

// StepRecord returns the last recorded outcome of a step.
func (s *Session) StepRecord(ref StepRef) StepRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Steps[ref.String()]
}

// CheckRecord returns the recorded state of a module's check.
func (s *Session) CheckRecord(moduleID string) CheckRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Checks[moduleID]
}

func (s *Session) moduleStatusLocked(i int) ModuleStatus {
	if i > 0 && s.moduleStatusLocked(i-1) != Covered {
		return Locked
	}
	m := s.guide.Modules[i]
	for _, st := range m.Steps {
		if s.state.Steps[StepRef{m.ID, st.ID}.String()].Status != StepDone {
			return Available
		}
	}
	c := s.state.Checks[m.ID]
	if c.Passed || (s.mode == Unattended && c.Skipped) {
		return Covered
	}
	return CheckPending
}

// ModuleStatus returns where the module stands.
func (s *Session) ModuleStatus(moduleID string) ModuleStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range s.guide.Modules {
		if m.ID == moduleID {
			return s.moduleStatusLocked(i)
		}
	}
	return Locked
}

// Covered counts the modules covered: all steps verified and the check passed.
func (s *Session) Covered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.guide.Modules {
		if s.moduleStatusLocked(i) == Covered {
			n++
		}
	}
	return n
}

// NextStep returns the first step of the module that is not done yet.
func (s *Session) NextStep(moduleID string) (StepRef, bool) {
	m, ok := s.guide.Module(moduleID)
	if !ok {
		return StepRef{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range m.Steps {
		ref := StepRef{m.ID, st.ID}
		if s.state.Steps[ref.String()].Status != StepDone {
			return ref, true
		}
	}
	return StepRef{}, false
}

// Resume returns where the admin left off: the first module not covered, and its next step
// (empty when only the check remains). Done is true when every module is covered.
func (s *Session) Resume() (moduleID string, step StepRef, done bool) {
	for _, m := range s.guide.Modules {
		if s.ModuleStatus(m.ID) != Covered {
			ref, _ := s.NextStep(m.ID)
			return m.ID, ref, false
		}
	}
	return "", StepRef{}, true
}

func (s *Session) lookup(ref StepRef) (*Module, int, *Step, error) {
	m, ok := s.guide.Module(ref.Module)
	if !ok {
		return nil, 0, nil, fmt.Errorf("no module %q", ref.Module)
	}
	for i := range m.Steps {
		if m.Steps[i].ID == ref.Step {
			return m, i, &m.Steps[i], nil
		}
	}
	return nil, 0, nil, fmt.Errorf("no step %q in module %q", ref.Step, ref.Module)
}

// CanRun says why a step cannot run now, or nil.
func (s *Session) CanRun(ref StepRef) error {
	m, idx, _, err := s.lookup(ref)
	if err != nil {
		return err
	}
	if st := s.ModuleStatus(m.ID); st == Locked {
		return fmt.Errorf("module %d is %w: pass the knowledge check of module %d first", m.Number, ErrLocked, m.Number-1)
	}
	if idx > 0 {
		prev := StepRef{m.ID, m.Steps[idx-1].ID}
		if s.StepRecord(prev).Status != StepDone {
			return fmt.Errorf("step %q is %w: finish %q first", ref.Step, ErrLocked, m.Steps[idx-1].Title)
		}
	}
	return nil
}

// Preview lists what running the step will do, before anything changes.
func (s *Session) Preview(ref StepRef) ([]string, error) {
	_, _, step, err := s.lookup(ref)
	if err != nil {
		return nil, err
	}
	act, r := actions[step.Action], s.newRun(ref, nil)
	if act.manual != nil {
		m, _, _, _ := s.lookup(ref)
		if caps, ok := s.Capabilities(); ok && !caps.ModeFor(m.Number).Automated {
			ms := act.manual(r)
			return append([]string{"By hand in Secret Server (" + caps.ModeFor(m.Number).Reason + "):"}, ms.Clicks...), nil
		}
	}
	return act.preview(r), nil
}

// Run performs a step: run (idempotently), verify by reading back, record. The record is saved
// whatever the outcome, so a restart shows the last result.
func (s *Session) Run(ctx context.Context, ref StepRef) (StepRecord, error) {
	if err := s.CanRun(ref); err != nil {
		return StepRecord{}, err
	}
	_, _, step, _ := s.lookup(ref)
	for _, in := range step.Inputs {
		if err := ValidateInput(in, s.Setting(in.Name)); err != nil {
			return StepRecord{}, err
		}
	}
	end, err := s.exclusive()
	if err != nil {
		return StepRecord{}, err
	}
	defer end()

	s.emit(ref, "info", "Running: "+step.Title)
	r := s.newRun(ref, func(msg string) { s.emit(ref, "progress", msg) })
	act := actions[step.Action]
	var rec StepRecord
	manual := false
	if act.manual != nil {
		// External-vault steps become guided manual steps when the server's API cannot do
		// what the module needs (apimap.go decides, per module).
		var mode ModuleMode
		if mode, err = r.moduleMode(ctx); err == nil && !mode.Automated && act.prepare != nil {
			err = act.prepare(ctx, r)
		}
		if err == nil && !mode.Automated {
			m := act.manual(r)
			m.Why = guidedWhy(mode)
			rec, manual = StepRecord{Summary: "Do this step in Secret Server's web console, then confirm it here", Manual: &m}, true
		}
	}
	if err == nil && !manual {
		rec, err = act.run(ctx, r)
	}
	// Errors quote servers; nothing secret-looking goes on to the screen, log or state.
	err = RedactError(err)
	rec.At = s.now()
	switch {
	case err != nil:
		rec.Status = StepFailed
		rec.Error = err.Error()
		if rec.Summary == "" {
			rec.Summary = "Not completed"
		}
		s.emit(ref, "error", step.Title+": "+rec.Error)
	case manual:
		rec.Status = StepManual
		s.emit(ref, "info", step.Title+": waiting for you to do it in Secret Server")
	default:
		rec.Status = StepDone
		s.emit(ref, "done", step.Title+": "+rec.Summary)
	}
	saveErr := s.commit(func(st *State) { st.Steps[ref.String()] = rec })
	if saveErr != nil && err == nil {
		// Not recorded means not done: the next step must not unlock on a record only memory
		// holds. The file keeps what was recorded before.
		rec.Status, rec.Error = StepFailed, saveErr.Error()
		s.mu.Lock()
		s.state.Steps[ref.String()] = rec
		s.mu.Unlock()
	}
	if err == nil && saveErr != nil {
		err = saveErr
		s.emit(ref, "error", step.Title+": "+err.Error())
	}
	return rec, err
}

// ConfirmManual records that the admin did a guided manual step in Secret Server, after
// verifying what can be verified (the credential, the pushed secret in AWS).
func (s *Session) ConfirmManual(ctx context.Context, ref StepRef) (StepRecord, error) {
	if err := s.CanRun(ref); err != nil {
		return StepRecord{}, err
	}
	_, _, step, _ := s.lookup(ref)
	act := actions[step.Action]
	if act.confirm == nil || s.StepRecord(ref).Status != StepManual {
		return StepRecord{}, fmt.Errorf("%q is not waiting for a confirmation: run it first", step.Title)
	}
	end, err := s.exclusive()
	if err != nil {
		return StepRecord{}, err
	}
	defer end()
	rec, err := act.confirm(ctx, s.newRun(ref, func(msg string) { s.emit(ref, "progress", msg) }))
	err = RedactError(err)
	rec.At = s.now()
	if err != nil {
		// Still waiting: keep the click path, show why the check failed.
		rec = s.StepRecord(ref)
		rec.Error = err.Error()
		s.emit(ref, "error", step.Title+": "+err.Error())
	} else {
		rec.Status = StepDone
		s.emit(ref, "done", step.Title+": "+rec.Summary)
	}
	saveErr := s.commit(func(st *State) { st.Steps[ref.String()] = rec })
	if err == nil {
		err = saveErr
	}
	return rec, err
}

// CheckOption is an answer as shown to the admin.
type CheckOption struct {
	ID   string
	Text string
}

// CheckOptions returns the module's answers in a fresh random order, so the right answer is
// learned rather than its position.
func (s *Session) CheckOptions(moduleID string) []CheckOption {
	m, ok := s.guide.Module(moduleID)
	if !ok {
		return nil
	}
	out := make([]CheckOption, len(m.Check.Options))
	for i, o := range m.Check.Options {
		out[i] = CheckOption{ID: o.ID, Text: o.Text}
	}
	s.mu.Lock()
	s.shuffle.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	s.mu.Unlock()
	return out
}

// CheckResult is the outcome of one answer.
type CheckResult struct {
	Correct     bool
	Explanation string
	Unlocked    string // the module unlocked by a right answer, if any
}

// Answer records an answer to a module's knowledge check. The check can be answered only when
// every step of the module is done; a wrong answer explains and unlocks nothing.
func (s *Session) Answer(moduleID, optionID string) (CheckResult, error) {
	m, ok := s.guide.Module(moduleID)
	if !ok {
		return CheckResult{}, fmt.Errorf("no module %q", moduleID)
	}
	switch s.ModuleStatus(moduleID) {
	case Locked:
		return CheckResult{}, fmt.Errorf("module %d is %w", m.Number, ErrLocked)
	case Available:
		return CheckResult{}, fmt.Errorf("finish the steps of module %d before its knowledge check: %w", m.Number, ErrLocked)
	}
	var chosen *Option
	for i := range m.Check.Options {
		if m.Check.Options[i].ID == optionID {
			chosen = &m.Check.Options[i]
		}
	}
	if chosen == nil {
		return CheckResult{}, fmt.Errorf("module %q has no answer %q", moduleID, optionID)
	}
	now := s.now()
	err := s.commit(func(st *State) {
		rec := st.Checks[moduleID]
		rec.Attempts++
		rec.At = now
		if chosen.Correct {
			rec.Passed = true
		}
		st.Checks[moduleID] = rec
	})
	res := CheckResult{Correct: chosen.Correct, Explanation: m.Check.Wrong}
	if chosen.Correct {
		res.Explanation = m.Check.Right
		if m.Number < len(s.guide.Modules) {
			res.Unlocked = s.guide.Modules[m.Number].ID
		}
		s.emit(StepRef{Module: moduleID}, "done", fmt.Sprintf("Knowledge check of module %d passed", m.Number))
	} else {
		s.emit(StepRef{Module: moduleID}, "info", fmt.Sprintf("Knowledge check of module %d: not yet, try again", m.Number))
	}
	return res, err
}

// SkipCheck records that apply mode did not ask a module's check.
func (s *Session) SkipCheck(moduleID string) error {
	if s.mode != Unattended {
		return errors.New("knowledge checks can be skipped only in apply mode")
	}
	return s.commit(func(st *State) {
		rec := st.Checks[moduleID]
		rec.Skipped = true
		st.Checks[moduleID] = rec
	})
}

// exclusive claims the session for one operation (a step, a confirmation, a clean-up); call
// the returned func when done. A second operation meanwhile gets ErrBusy.
func (s *Session) exclusive() (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil, ErrBusy
	}
	s.running = true
	return func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}, nil
}

func (s *Session) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.svc.Now()
}

// commit changes the state (fn may be nil: save as is) and writes it. The file is written
// outside mu, so readers (the UI) never wait on the disk; saveMu keeps writes in order.
func (s *Session) commit(fn func(st *State)) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	if fn != nil {
		fn(s.state)
	}
	s.state.UpdatedAt = s.svc.Now()
	data, err := json.MarshalIndent(s.state, "", "  ")
	wasDirty := s.dirty
	s.dirty = false
	s.mu.Unlock()
	if err == nil {
		err = s.store.write(data)
	}
	if err != nil {
		s.mu.Lock()
		s.dirty = s.dirty || wasDirty
		s.mu.Unlock()
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// AllowAdopt records the admin's consent to use an existing IAM entity VaultLink did not
// create (after a *ForeignError). Clean-up will still leave it alone.
func (s *Session) AllowAdopt(kind, name string) error {
	ref := EntityRef{Kind: iamKind(kind), Name: name}
	return s.commit(func(st *State) {
		if !slices.ContainsFunc(st.Consents, ref.same) {
			st.Consents = append(st.Consents, ref)
		}
	})
}

// iamKind maps the kind a *ForeignError names to the journal's kind.
func iamKind(kind string) EntityKind {
	switch kind {
	case "user":
		return KindUser
	case "group":
		return KindGroup
	case "policy":
		return KindPolicy
	}
	return EntityKind(kind)
}

// cleanupPlan is what clean-up removes, read from the journal.
type cleanupPlan struct {
	vaults, secrets []JournalEntry
	iam             CleanupTargets
	keyring         []string
	// Intended: what an interrupted run was creating (an intent entry, no id recorded), to be
	// found by name (reconcile.go).
	intendedVaults, intendedSecrets []string
}

func (s *Session) planCleanup() cleanupPlan {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.state.Journal
	var p cleanupPlan
	for _, e := range journalEntries(j, KindVaultLink) {
		switch {
		case e.Created && e.ID != "":
			p.vaults = append(p.vaults, e)
		case e.Intent:
			p.intendedVaults = append(p.intendedVaults, e.Name)
		}
	}
	for _, e := range journalEntries(j, KindSSSecret) {
		switch {
		case e.Created && e.ID != "":
			p.secrets = append(p.secrets, e)
		case e.Intent:
			p.intendedSecrets = append(p.intendedSecrets, e.Name)
		}
	}
	// Users and policies the run used are listed even when adopted: the AWS side removes
	// only those its ownership tag marks as VaultLink's.
	for _, e := range journalEntries(j, KindUser) {
		p.iam.Users = append(p.iam.Users, e.Name)
	}
	for _, e := range journalEntries(j, KindPolicy) {
		if e.ARN == "" && e.Intent {
			e.ARN = policyARN(s.state.Progress, e.Name) // made, but its ARN not recorded yet
		}
		if e.ARN != "" {
			p.iam.PolicyARNs = append(p.iam.PolicyARNs, e.ARN)
		}
	}
	for _, e := range journalEntries(j, KindGroup) {
		if e.Created || e.Intent {
			p.iam.Groups = append(p.iam.Groups, e.Name)
		}
	}
	for _, e := range journalEntries(j, KindKeyringEntry) {
		p.keyring = append(p.keyring, e.Name)
	}
	return p
}

// Cleanup removes what the journal shows VaultLink made: the external vault link and the
// Secret Server secret it created, in AWS the access keys, memberships, attachments, the
// custom policy, the group and the user (only what its tags or journal show it made), and the
// keys' keyring entries; then it forgets the steps, so the modules can be run again. Passed
// knowledge checks are kept. It works from the journal, so settings changed after a run do
// not hide what that run made.
func (s *Session) Cleanup(ctx context.Context, progress func(string)) ([]string, error) {
	end, err := s.exclusive()
	if err != nil {
		return nil, err
	}
	defer end()
	svc := s.services()
	plan := s.planCleanup()
	if progress == nil {
		progress = func(string) {}
	}
	cleanRef := StepRef{Module: "cleanup"}
	s.emit(cleanRef, "info", "Clean-up started")
	var done []string
	report := func(msg string) { done = append(done, msg); progress(msg); s.emit(cleanRef, "progress", msg) }
	// Secret Server first: the vault link uses the secret, and the secret holds the key. A
	// server that refuses is reported with the click path, and clean-up goes on.
	if len(plan.vaults) > 0 {
		// The vault link is deleted with the operation discovered when it was made.
		if _, err := s.newRun(cleanRef, nil).serverCapabilities(ctx); err != nil {
			report(fmt.Sprintf("⚠ Secret Server's API could not be checked (%v)", err))
		}
	}
	for _, v := range plan.vaults {
		if err := svc.SecretServer.DeleteVault(ctx, atoi(v.ID)); err != nil {
			report(fmt.Sprintf("⚠ the external vault link %s (id %s) could not be removed (%v): remove it in Secret Server under External Secrets → External Vaults", v.Name, v.ID, RedactError(err)))
		} else {
			report(fmt.Sprintf("removed the external vault link %s (id %s)", v.Name, v.ID))
		}
	}
	for _, sec := range plan.secrets {
		if err := svc.SecretServer.DeleteSecret(ctx, atoi(sec.ID)); err != nil {
			report(fmt.Sprintf("⚠ the Secret Server secret %q (id %s) could not be removed (%v): delete it in Secret Server under All Secrets", sec.Name, sec.ID, RedactError(err)))
		} else {
			report(fmt.Sprintf("deleted the Secret Server secret %q (id %s)", sec.Name, sec.ID))
		}
	}
	s.cleanupIntended(ctx, plan, report)
	keysBefore := s.userKeys(ctx, plan.iam.Users)
	iamDone, err := svc.IAM.Cleanup(ctx, plan.iam, func(msg string) { progress(msg); s.emit(cleanRef, "progress", msg) })
	err = RedactError(err)
	done = append(done, iamDone...)
	if err != nil {
		s.emit(cleanRef, "error", "Clean-up stopped: "+err.Error())
		return done, err
	}
	if err := s.forgetDeletedKeys(ctx, keysBefore, plan.keyring, report); err != nil {
		return done, err
	}
	err = s.commit(func(st *State) {
		st.Steps = map[string]StepRecord{}
		st.Progress = Progress{}
		st.Journal = nil
		st.Consents = nil
		st.Rotation = nil
		st.KeptKeys = nil
	})
	s.emit(cleanRef, "done", fmt.Sprintf("Clean-up finished: %d change(s)", len(done)))
	return done, err
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// services returns the services one operation works with: a snapshot, so a connection
// switch can never leave an operation half on one account and half on another.
func (s *Session) services() Services {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.svc
}

// CheckIdentity asks AWS who the configured credentials are (sts:GetCallerIdentity, which
// changes nothing), so the admin sees it before any step makes a change.
func (s *Session) CheckIdentity(ctx context.Context) (Identity, error) {
	iam := s.services().IAM
	id, err := iam.CallerIdentity(ctx)
	if err != nil {
		s.emit(StepRef{Module: "aws"}, "error", err.Error())
		return Identity{}, err
	}
	s.rememberIdentity(iam, id)
	s.emit(StepRef{Module: "aws"}, "info", "Signed in to AWS as "+id.ARN)
	return id, nil
}

func (s *Session) rememberIdentity(iam IAM, id Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identityOf, s.identity = iam, id
}

// callerIdentity is who iam signs in as: asked once per connection (the credentials of a
// connection do not change, so neither does the answer); CheckIdentity always asks.
func (s *Session) callerIdentity(ctx context.Context, iam IAM) (Identity, error) {
	s.mu.Lock()
	id, known := s.identity, s.identityOf == iam && iam != nil
	s.mu.Unlock()
	if known {
		return id, nil
	}
	id, err := iam.CallerIdentity(ctx)
	if err != nil {
		return Identity{}, err
	}
	s.rememberIdentity(iam, id)
	return id, nil
}

// SwitchAWS moves the session to another AWS profile or region and checks the identity it
// signs in as. It is refused while a step runs.
func (s *Session) SwitchAWS(ctx context.Context, c Connection) (Identity, error) {
	// The switch holds the exclusive claim from connecting to replacing, so no step can
	// start in between and run half against the old account and half against the new one.
	end, err := s.exclusive()
	if err != nil {
		return Identity{}, err
	}
	defer end()
	conn := s.services().Connector
	if conn == nil {
		return Identity{}, errors.New("the AWS connection cannot be changed in practice mode")
	}
	iam, sm, err := conn.ConnectAWS(ctx, c)
	if err != nil {
		return Identity{}, err
	}
	s.mu.Lock()
	s.svc.IAM, s.svc.SecretsManager = iam, sm
	s.mu.Unlock()
	return s.CheckIdentity(ctx)
}

// Suggestions returns live values to offer for an input (the Secret Server's folders, say).
func (s *Session) Suggestions(ctx context.Context, name string) ([]string, error) {
	in, ok := s.findInput(name)
	if !ok || in.Suggest == "" {
		return nil, nil
	}
	switch in.Suggest {
	case "secret-server-folders":
		folders, err := s.services().SecretServer.Folders(ctx)
		if err != nil {
			return nil, err
		}
		out := []string{""}
		for _, f := range folders {
			out = append(out, f.Path)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown suggestion list %q", in.Suggest)
}

// SwitchSecretServer signs in to another Secret Server (or with other credentials) and probes
// it. It is refused while a step runs.
func (s *Session) SwitchSecretServer(ctx context.Context, c SSConnection) (ServerInfo, error) {
	end, err := s.exclusive()
	if err != nil {
		return ServerInfo{}, err
	}
	defer end()
	conn := s.services().Connector
	if conn == nil {
		return ServerInfo{}, errors.New("the Secret Server connection cannot be changed in practice mode")
	}
	ss, err := conn.ConnectSecretServer(ctx, c)
	if err != nil {
		return ServerInfo{}, err
	}
	info, err := ss.Connect(ctx)
	if err != nil {
		return ServerInfo{}, err
	}
	s.mu.Lock()
	s.svc.SecretServer = ss
	s.mu.Unlock()
	err = s.noteConnected(ss, info)
	s.emit(StepRef{Module: "secret-server"}, "info", "Signed in to Secret Server "+info.URL+" as "+info.User)
	return info, err
}

// CheckSecretServer signs in to the configured Secret Server and probes it (changes nothing).
func (s *Session) CheckSecretServer(ctx context.Context) (ServerInfo, error) {
	ss := s.services().SecretServer
	info, err := ss.Connect(ctx)
	if err != nil {
		s.emit(StepRef{Module: "secret-server"}, "error", err.Error())
		return ServerInfo{}, err
	}
	s.emit(StepRef{Module: "secret-server"}, "info", "Signed in to Secret Server "+info.URL+" as "+info.User)
	return info, s.noteConnected(ss, info)
}
