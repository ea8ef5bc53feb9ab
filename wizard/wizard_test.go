package wizard_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// practice builds the real practice stack (simulated AWS and Secret Server on loopback) with
// an in-memory keyring, and a guided session whose state lives in dir.
func practice(t testing.TB) (*stack.Stack, wizard.Store) {
	t.Helper()
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}
}

func guide(t testing.TB) *wizard.Guide {
	t.Helper()
	g, err := wizard.ParseGuide(assets.Guide)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func session(t *testing.T, st *stack.Stack, store wizard.Store, mode wizard.Mode) *wizard.Session {
	t.Helper()
	s, err := wizard.NewSession(guide(t), st.Services, store, mode)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runModule(t *testing.T, s *wizard.Session, moduleID string) {
	t.Helper()
	m, _ := s.Guide().Module(moduleID)
	for _, step := range m.Steps {
		if _, err := s.Run(context.Background(), wizard.StepRef{Module: m.ID, Step: step.ID}); err != nil {
			t.Fatalf("%s/%s: %v", m.ID, step.ID, err)
		}
	}
}

func correct(m *wizard.Module) string {
	for _, o := range m.Check.Options {
		if o.Correct {
			return o.ID
		}
	}
	return ""
}

func wrong(m *wizard.Module) string {
	for _, o := range m.Check.Options {
		if !o.Correct {
			return o.ID
		}
	}
	return ""
}

func TestGuideHasSixModulesWithChecks(t *testing.T) {
	g := guide(t)
	if len(g.Modules) != 6 {
		t.Fatalf("%d modules", len(g.Modules))
	}
	want := []string{"delinea-secrets-sync", "delinea-secrets-group", "AWS-SecretsManager-Integration", "Secret Server External Vault Integration"}
	for i, k := range []string{"user_name", "group_name", "secret_name", "description_tag"} {
		if g.Defaults[k] != want[i] {
			t.Errorf("default %s = %q, want %q", k, g.Defaults[k], want[i])
		}
	}
}

func TestParseGuideRejectsACheckWithoutOneRightAnswer(t *testing.T) {
	bad := strings.Replace(string(assets.Guide), "{id: third-party, text: Third-Party Service, correct: true}", "{id: third-party, text: Third-Party Service}", 1)
	if _, err := wizard.ParseGuide([]byte(bad)); err == nil || !strings.Contains(err.Error(), "0 correct options") {
		t.Fatalf("want a content error, got %v", err)
	}
}

func TestModuleTwoStaysLockedUntilModuleOneCheckIsPassed(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	g := s.Guide()
	m1, m2 := &g.Modules[0], &g.Modules[1]

	if _, err := s.Run(context.Background(), wizard.StepRef{Module: m2.ID, Step: m2.Steps[0].ID}); !errors.Is(err, wizard.ErrLocked) {
		t.Fatalf("module 2 before module 1: want ErrLocked, got %v", err)
	}
	if _, err := s.Answer(m1.ID, correct(m1)); !errors.Is(err, wizard.ErrLocked) {
		t.Fatalf("answering before the steps are done: want ErrLocked, got %v", err)
	}
	runModule(t, s, m1.ID)
	if got := s.ModuleStatus(m1.ID); got != wizard.CheckPending {
		t.Fatalf("module 1 after its steps: %v", got)
	}
	res, err := s.Answer(m1.ID, wrong(m1))
	if err != nil || res.Correct || res.Unlocked != "" || res.Explanation != m1.Check.Wrong {
		t.Fatalf("wrong answer: %+v %v", res, err)
	}
	if got := s.ModuleStatus(m2.ID); got != wizard.Locked {
		t.Fatalf("a wrong answer unlocked module 2: %v", got)
	}
	if _, err := s.Run(context.Background(), wizard.StepRef{Module: m2.ID, Step: m2.Steps[0].ID}); !errors.Is(err, wizard.ErrLocked) {
		t.Fatalf("module 2 after a wrong answer: want ErrLocked, got %v", err)
	}
	res, err = s.Answer(m1.ID, correct(m1))
	if err != nil || !res.Correct || res.Unlocked != m2.ID {
		t.Fatalf("right answer: %+v %v", res, err)
	}
	if got := s.ModuleStatus(m2.ID); got != wizard.Available {
		t.Fatalf("module 2 after passing: %v", got)
	}
	if s.CheckRecord(m1.ID).Attempts != 2 {
		t.Fatalf("attempts = %d", s.CheckRecord(m1.ID).Attempts)
	}
}

func TestStepsWithinAModuleRunInOrder(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	m1 := s.Guide().Modules[0]
	_, err := s.Run(context.Background(), wizard.StepRef{Module: m1.ID, Step: m1.Steps[2].ID})
	if !errors.Is(err, wizard.ErrLocked) {
		t.Fatalf("step 3 first: want ErrLocked, got %v", err)
	}
}

func TestRestartMidModuleResumesWithoutDuplicates(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	m1 := s.Guide().Modules[0]
	ctx := context.Background()
	for _, step := range m1.Steps[:2] {
		if _, err := s.Run(ctx, wizard.StepRef{Module: m1.ID, Step: step.ID}); err != nil {
			t.Fatal(err)
		}
	}
	// "Restart": a new session over the same state file and the same (persistent) services.
	s2 := session(t, st, store, wizard.Guided)
	mod, next, done := s2.Resume()
	if done || mod != m1.ID || next.Step != m1.Steps[2].ID {
		t.Fatalf("resumed at %s %v done=%v", mod, next, done)
	}
	if _, err := s2.Run(ctx, next); err != nil {
		t.Fatal(err)
	}
	keyID := s2.Progress().AccessKeyID
	// Running every step of the module again adopts what exists.
	s3 := session(t, st, store, wizard.Guided)
	for _, step := range m1.Steps {
		if _, err := s3.Run(ctx, wizard.StepRef{Module: m1.ID, Step: step.ID}); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := st.AWS.AccessKeys(ctx, s3.Setting("user_name"))
	if err != nil || len(keys) != 1 || keys[0].ID != keyID {
		t.Fatalf("after resume and re-run: keys %v (want only %s), %v", keys, keyID, err)
	}
	if _, err := s3.Answer(m1.ID, correct(&m1)); err != nil {
		t.Fatal(err)
	}
	s4 := session(t, st, store, wizard.Guided)
	if s4.ModuleStatus(m1.ID) != wizard.Covered || s4.Covered() != 1 {
		t.Fatalf("passed check not remembered: %v", s4.ModuleStatus(m1.ID))
	}
}

func TestBadSettingIsRefusedAndTheOldValueKept(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	err := s.SetSetting("user_name", "bad name!")
	if err == nil || !strings.Contains(err.Error(), "characters IAM does not accept") {
		t.Fatalf("want a validation error, got %v", err)
	}
	if s.Setting("user_name") != "delinea-secrets-sync" {
		t.Fatalf("old value lost: %q", s.Setting("user_name"))
	}
}

func TestApplyCoversAllSixModules(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Unattended)
	var lines []string
	if err := s.RunAll(context.Background(), func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(lines, "\n"))
	}
	if last := lines[len(lines)-1]; last != "modules covered 6/6" {
		t.Fatalf("last line %q", last)
	}
}

func TestAForeignUserIsUsedOnlyAfterConsentAndSurvivesCleanup(t *testing.T) {
	st, store := practice(t)
	ctx := context.Background()
	s := session(t, st, store, wizard.Guided)
	// Someone already made a user of that name, without VaultLink's tag.
	id, secret := st.Sandbox.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(st.Endpoints.AWS)})
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("delinea-secrets-sync")}); err != nil {
		t.Fatal(err)
	}
	first := wizard.StepRef{Module: "iam-user", Step: "create-user"}
	_, err := s.Run(ctx, first)
	var fe *wizard.ForeignError
	if !errors.As(err, &fe) || fe.Kind != "user" {
		t.Fatalf("want consent to be asked, got %v", err)
	}
	if err := s.AllowAdopt(fe.Kind, fe.Name); err != nil {
		t.Fatal(err)
	}
	runModule(t, s, "iam-user")
	done, err := s.Cleanup(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AWS.UserTags(ctx, "delinea-secrets-sync"); err != nil {
		t.Fatalf("clean-up removed a user VaultLink did not create: %v (did: %v)", err, done)
	}
	if keys, _ := st.AWS.AccessKeys(ctx, "delinea-secrets-sync"); len(keys) != 1 {
		t.Fatalf("its keys are left alone too: %v", keys)
	}
	if s.StepRecord(first).Status != wizard.StepPending {
		t.Fatal("after clean-up the steps can be run again")
	}
}

func TestCleanupUndoesAFullRun(t *testing.T) {
	st, store := practice(t)
	ctx := context.Background()
	s := session(t, st, store, wizard.Unattended)
	if err := s.RunAll(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	ref := s.Progress().KeyringRef
	if _, err := st.Services.Keyring.Load(ref); err != nil {
		t.Fatal(err)
	}
	var progress []string
	done, err := s.Cleanup(ctx, func(m string) { progress = append(progress, m) })
	if err != nil {
		t.Fatalf("%v after %v", err, done)
	}
	if _, err := st.AWS.UserTags(ctx, "delinea-secrets-sync"); err == nil {
		t.Fatal("the user VaultLink made is still there")
	}
	if _, err := st.AWS.GroupMembers(ctx, "delinea-secrets-group"); err == nil {
		t.Fatal("the group VaultLink made is still there")
	}
	if _, err := st.Services.Keyring.Load(ref); err == nil {
		t.Fatal("the keyring entry is still there")
	}
	if len(progress) == 0 || s.Covered() != 0 {
		t.Fatalf("progress %v, covered %d", progress, s.Covered())
	}
}

func TestKeyPropagationWaitShowsProgressAndCanBeCancelled(t *testing.T) {
	ctx := context.Background()
	for _, cancel := range []bool{false, true} {
		st, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 30 * time.Second,
			PracticeAWS: awssim.Options{KeyDelay: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		s := session(t, st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
		m := s.Guide().Modules[0]
		for _, step := range m.Steps[:2] {
			if _, err := s.Run(ctx, wizard.StepRef{Module: m.ID, Step: step.ID}); err != nil {
				t.Fatal(err)
			}
		}
		runCtx, stop := context.WithCancel(ctx)
		var waits int
		s.Subscribe(func(e wizard.Event) {
			if e.Level == "progress" && strings.Contains(e.Text, "does not accept the new key yet") {
				waits++
				if cancel {
					stop()
				}
			}
		})
		rec, err := s.Run(runCtx, wizard.StepRef{Module: m.ID, Step: m.Steps[2].ID})
		stop()
		if waits == 0 {
			t.Fatal("the wait for the new key must show progress")
		}
		if cancel && (err == nil || !strings.Contains(err.Error(), "stopped waiting")) {
			t.Fatalf("cancelled: %v", err)
		}
		if !cancel && (err != nil || rec.Status != wizard.StepDone) {
			t.Fatalf("after the delay the key works: %v", err)
		}
		st.Close()
	}
}

// A Secret Server without the external-vault API: modules 3 and 6 become guided steps done in
// the web console (here, the practice server's Console methods stand in for the admin's
// clicks), and VaultLink verifies what it can before recording them.
func TestGuidedManualFallbackWithoutTheExternalVaultAPI(t *testing.T) {
	ctx := context.Background()
	st, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second, PracticeSS: sssim.Options{NoExternalVaultAPI: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := session(t, st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
	pass := func(m *wizard.Module) {
		if _, err := s.Answer(m.ID, correct(m)); err != nil {
			t.Fatal(err)
		}
	}
	g := s.Guide()
	runModule(t, s, "iam-user")
	pass(&g.Modules[0])
	runModule(t, s, "ss-secret")
	pass(&g.Modules[1])
	if rec := s.StepRecord(wizard.StepRef{Module: "ss-secret", Step: "choose-template"}); !strings.Contains(fmt.Sprint(rec.Facts), "not offered") {
		t.Fatalf("module 2 must report the missing API: %v", rec.Facts)
	}

	open := wizard.StepRef{Module: "vault-link", Step: "open-link"}
	rec, err := s.Run(ctx, open)
	if err != nil || rec.Status != wizard.StepManual || rec.Manual == nil || !strings.Contains(strings.Join(rec.Manual.Clicks, " "), "AWS Secret Manager") || rec.Manual.OpenURL == "" {
		t.Fatalf("module 3 must become a guided step with the guide's click path: %+v %v", rec, err)
	}
	if _, err := s.Run(ctx, wizard.StepRef{Module: "vault-link", Step: "create-link"}); !errors.Is(err, wizard.ErrLocked) {
		t.Fatalf("the next step waits for the confirmation: %v", err)
	}
	if rec, err := s.ConfirmManual(ctx, open); err != nil || rec.Status != wizard.StepDone {
		t.Fatalf("confirm: %+v %v", rec, err)
	}
	link := wizard.StepRef{Module: "vault-link", Step: "create-link"}
	if rec, err := s.Run(ctx, link); err != nil || rec.Status != wizard.StepManual {
		t.Fatalf("%+v %v", rec, err)
	}
	// The admin saves the link in the web console.
	secretID := s.Progress().SecretID
	vaultID, err := st.Sandbox.SS.ConsoleCreateVault(ctx, "", s.Setting("display_name"), s.Setting("region"), secretID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmManual(ctx, link); err != nil {
		t.Fatal(err)
	}
	pass(&g.Modules[2])
	runModule(t, s, "iam-group")
	pass(&g.Modules[3])
	runModule(t, s, "custom-policy")
	pass(&g.Modules[4])

	vaults := wizard.StepRef{Module: "sync", Step: "open-vaults"}
	if rec, err := s.Run(ctx, vaults); err != nil || rec.Status != wizard.StepManual {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := s.ConfirmManual(ctx, vaults); err != nil {
		t.Fatal(err)
	}
	sync := wizard.StepRef{Module: "sync", Step: "run-sync"}
	if rec, err := s.Run(ctx, sync); err != nil || rec.Status != wizard.StepManual {
		t.Fatalf("%+v %v", rec, err)
	}
	// Confirming before the push happened is caught: the secret is not in AWS.
	if _, err := s.ConfirmManual(ctx, sync); err == nil || !strings.Contains(err.Error(), "is not in AWS Secrets Manager yet") {
		t.Fatalf("an unverified push must not be recorded: %v", err)
	}
	if s.StepRecord(sync).Status != wizard.StepManual {
		t.Fatal("the step keeps waiting after a failed check")
	}
	// The admin links the secret and clicks Pull, Push and Sync in the console.
	if err := st.Sandbox.SS.ConsoleLinkSecret(vaultID, s.Setting("push_secret"), s.Setting("remote_name")); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"pull", "push", "sync"} {
		if err := st.Sandbox.SS.ConsoleSync(ctx, op, vaultID); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	rec, err = s.ConfirmManual(ctx, sync)
	if err != nil || !strings.Contains(rec.Summary, "Push verified in AWS") {
		t.Fatalf("%+v %v", rec, err)
	}
	pass(&g.Modules[5])
	if s.Covered() != 6 {
		t.Fatalf("covered %d", s.Covered())
	}
}

// practiceWithLog is practice with an audit log, for tests that check the calls made.
func practiceWithLog(t *testing.T) (*stack.Stack, wizard.Store, *audit.Log) {
	t.Helper()
	log, err := audit.Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second, Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, log
}

// changesSince returns the changing calls (creates, puts, attaches…) recorded after the first n.
func changesSince(t *testing.T, log *audit.Log, n int) ([]string, int) {
	t.Helper()
	calls, err := log.Calls()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range audit.Changes(calls[n:]) {
		out = append(out, c.System+" "+c.Operation+" "+c.Target)
	}
	return out, len(calls)
}

// A second run of a finished set-up sends no call that creates or changes anything: checked
// on the calls really sent, for every module (the user, key, group, policy, attachments,
// secret, vault link and vault secret).
func TestASecondRunChangesNothing(t *testing.T) {
	st, store, log := practiceWithLog(t)
	ctx := context.Background()
	s := session(t, st, store, wizard.Unattended)
	if err := s.RunAll(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	first, n := changesSince(t, log, 0)
	if len(first) < 8 {
		t.Fatalf("the first run must create things; it made only %v", first)
	}
	s2 := session(t, st, store, wizard.Unattended)
	for _, m := range s2.Guide().Modules {
		for _, step := range m.Steps {
			if _, err := s2.Run(ctx, wizard.StepRef{Module: m.ID, Step: step.ID}); err != nil {
				t.Fatalf("rerun %s/%s: %v", m.ID, step.ID, err)
			}
		}
	}
	if again, _ := changesSince(t, log, n); len(again) > 0 {
		t.Fatalf("a second run changed things:\n%s", strings.Join(again, "\n"))
	}
}

// Clean-up works from the journal of what was made: renaming every setting after a run
// does not hide the old user, group, policy, secret and vault link from it.
func TestRenamedSettingsStillCleanUpEverythingMade(t *testing.T) {
	st, store := practice(t)
	ctx := context.Background()
	s := session(t, st, store, wizard.Unattended)
	if err := s.RunAll(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	p := s.Progress()
	renamed := map[string]string{"user_name": "someone-else", "group_name": "other-group", "policy_name": "OtherPolicy",
		"secret_name": "Other secret", "vault_name": "other-vault"}
	for k, v := range renamed {
		if err := s.SetSetting(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// A restart in between, so the journal is read back from the file.
	s = session(t, st, store, wizard.Unattended)
	if _, err := s.Cleanup(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AWS.UserTags(ctx, p.UserName); err == nil {
		t.Errorf("user %s is still there", p.UserName)
	}
	if _, err := st.AWS.GroupMembers(ctx, p.GroupName); err == nil {
		t.Errorf("group %s is still there", p.GroupName)
	}
	if _, err := st.AWS.PolicyDocument(ctx, p.PolicyARN); err == nil {
		t.Errorf("policy %s is still there", p.PolicyARN)
	}
	if _, err := st.SS.SecretFields(ctx, p.SecretID); err == nil {
		t.Errorf("the Secret Server secret %d is still there", p.SecretID)
	}
	vaults, err := st.SS.Vaults(ctx)
	if err != nil || slices.ContainsFunc(vaults, func(v wizard.Vault) bool { return v.ID == p.Vault.ID }) {
		t.Errorf("the vault link is still there: %v %v", vaults, err)
	}
	if _, err := st.Services.Keyring.Load(p.KeyringRef); err == nil {
		t.Error("the keyring entry is still there")
	}
	if j := s.Journal(); len(j) != 0 {
		t.Errorf("the journal must be empty after clean-up: %v", j)
	}
}

// Typing in a settings field changes memory only; the file is written when something saves
// (Flush: a page change or the window closing, a step, or the debounce).
func TestTypingDoesNotWriteTheProgressFile(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	s.SetSaveDelay(0) // no debounce: only an explicit save may write
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(store.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"d", "de", "del", "deli", "delinea-typed"} {
		if err := s.SetSetting("user_name", v); err != nil {
			t.Fatal(err)
		}
	}
	after, err := os.Stat(store.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Fatal("typing wrote the progress file")
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(store.Path)
	if !strings.Contains(string(data), "delinea-typed") {
		t.Fatal("Flush did not save the edit")
	}
	// And the debounce saves on its own after a pause.
	s.SetSaveDelay(20 * time.Millisecond)
	if err := s.SetSetting("user_name", "delinea-debounced"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(store.Path)
		if strings.Contains(string(data), "delinea-debounced") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delayed save never came")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
