package wizard_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// On a large Secret Server (5 000 secrets, 300 folders, 200 templates, pages of 25 records)
// the folder suggestions list every folder and module 2's template lookup finds the built-in
// Amazon IAM Key template among the 50 others whose names contain it.
func TestScaleFolderSuggestionsAndTemplateLookup(t *testing.T) {
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second,
		PracticeSS: sssim.Options{PageSize: 25}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	st.Sandbox.SS.SeedScale(sssim.LargeServer)
	s := session(t, st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Unattended)
	ctx := context.Background()
	got, err := s.Suggestions(ctx, "folder")
	if err != nil {
		t.Fatal(err)
	}
	// "" (the top level), the two practice folders and every seeded one, each once.
	if want := 1 + 2 + sssim.LargeServer.Folders; len(got) != want || !slices.Contains(got, `\Team 290\Team 299`) {
		t.Fatalf("%d folder suggestions, want %d including the last folder", len(got), want)
	}
	if err := s.ApplySettings(map[string]string{"folder": `Team 290\Team 299`}); err != nil {
		t.Fatal(err)
	}
	runModule(t, s, "iam-user")
	if err := s.SkipCheck("iam-user"); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Run(ctx, wizard.StepRef{Module: "ss-secret", Step: "choose-template"})
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Progress(); p.Template.ID != 6034 || p.FolderID == 0 || !strings.Contains(rec.Summary, "6034") {
		t.Fatalf("template %d, folder %d: %s", p.Template.ID, p.FolderID, rec.Summary)
	}
}
