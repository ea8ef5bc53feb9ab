package secretserver_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

// largeServer is a practice server holding issue 12's large content (sssim.LargeServer: 5 000
// secrets, 300 folders, 200 templates, 150 external vaults) with at most pageSize records per
// page (0: as many as asked for), and a signed-in client of it.
func largeServer(tb testing.TB, pageSize int) (*sandbox.Sandbox, *secretserver.Client) {
	tb.Helper()
	sb, err := sandbox.Start(awssim.Options{}, sssim.Options{PageSize: pageSize})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sb.Close)
	sb.SS.SeedScale(sssim.LargeServer)
	c, err := secretserver.New(wizard.SSConnection{URL: sb.SS.URL(), Username: sssim.PracticeUser, Password: wizard.NewSecret(sssim.PracticePassword)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Connect(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return sb, c
}

// A large server is read whole, across pages: the template, a folder, a vault and a secret
// that are only on a late page are found, and near-misses (names containing the one asked
// for) are never taken for it. Pages of 25 records make every list cross many pages.
func TestScaleLargeServerIsReadAcrossPages(t *testing.T) {
	sb, c := largeServer(t, 25)
	ctx := context.Background()

	// Module 2's template: 50 other templates contain its name.
	tpl, err := c.FindTemplate(ctx, "Amazon IAM Key")
	if err != nil || tpl.ID != 6034 || len(tpl.Fields) != 4 {
		t.Fatalf("FindTemplate(Amazon IAM Key) = id %d with %d fields, %v; want the built-in 6034 with 4", tpl.ID, len(tpl.Fields), err)
	}
	if late, err := c.FindTemplate(ctx, "Amazon IAM Key (team 192)"); err != nil || late.Name != "Amazon IAM Key (team 192)" {
		t.Fatalf("a template on a late page: %+v, %v", late, err)
	}

	// The folder suggestions: every folder, by path.
	folders, err := c.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range folders {
		paths = append(paths, f.Path)
	}
	if want := 2 + sssim.LargeServer.Folders; len(paths) != want {
		t.Fatalf("Folders listed %d folders, want %d", len(paths), want)
	}
	for _, p := range []string{`\VaultLink Practice`, `\Team 000`, `\Team 290\Team 299`} {
		if !slices.Contains(paths, p) {
			t.Fatalf("Folders misses %s", p)
		}
	}
	if f, err := c.ResolveFolder(ctx, `Team 290\Team 299`); err != nil || f.ID == 0 {
		t.Fatalf("ResolveFolder of a late folder: %+v, %v", f, err)
	}

	// The vault list: active and inactive alike.
	vaults, err := c.Vaults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int]bool{}
	for _, v := range vaults {
		ids[v.ID] = true
	}
	if len(vaults) != sssim.LargeServer.Vaults || len(ids) != len(vaults) {
		t.Fatalf("Vaults listed %d (%d distinct), want %d", len(vaults), len(ids), sssim.LargeServer.Vaults)
	}
	if !slices.ContainsFunc(vaults, func(v wizard.Vault) bool { return v.DisplayName == "Team vault 149" && v.Active }) {
		t.Fatal("Vaults misses the last vault")
	}

	// Secrets by exact name: 1 250 others contain the practice push secret's name.
	want := sb.SS.SeedSecret(sssim.PracticePushSecret, "", "")
	got, err := c.FindSecretByName(ctx, sssim.PracticePushSecret)
	if err != nil || got == nil || got.ID != want {
		t.Fatalf("FindSecretByName(%s) = %+v, %v; want id %d", sssim.PracticePushSecret, got, err, want)
	}
	last := fmt.Sprintf("App-DB-%04d", sssim.LargeServer.Secrets-4)
	if got, err := c.FindSecretByName(ctx, last); err != nil || got == nil || got.Name != last {
		t.Fatalf("FindSecretByName(%s) = %+v, %v", last, got, err)
	}
	if got, err := c.FindSecretByName(ctx, "App-DB"); err != nil || got != nil {
		t.Fatalf("FindSecretByName(App-DB) must find nothing (only longer names contain it), got %+v, %v", got, err)
	}
	if got, err := c.FindSecret(ctx, last, 2, 0); err != nil || got == nil || got.Name != last {
		t.Fatalf("FindSecret(%s) in the Password template = %+v, %v", last, got, err)
	}
}

// requests counts the requests the server answered since before.
func requests(sb *sandbox.Sandbox, before int) int {
	n := 0
	for _, c := range sb.SS.Requests() {
		n += c
	}
	return n - before
}

// benchLarge runs one lookup against the large server (default paging: up to 100 records a
// page, as VaultLink asks) and reports the requests each lookup took.
func benchLarge(b *testing.B, lookup func(ctx context.Context, c *secretserver.Client) error) {
	sb, c := largeServer(b, 0)
	ctx := context.Background()
	if err := lookup(ctx, c); err != nil { // the SDK's first use signs in: not part of a lookup
		b.Fatal(err)
	}
	start := requests(sb, 0)
	b.ResetTimer()
	for b.Loop() {
		if err := lookup(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(requests(sb, start))/float64(b.N), "requests/op")
}

// BenchmarkScaleFindTemplate is module 2's template lookup on a server with 200 templates.
func BenchmarkScaleFindTemplate(b *testing.B) {
	benchLarge(b, func(ctx context.Context, c *secretserver.Client) error {
		_, err := c.FindTemplate(ctx, "Amazon IAM Key")
		return err
	})
}

// BenchmarkScaleFolders is the folder suggestions' list on a server with 300 folders.
func BenchmarkScaleFolders(b *testing.B) {
	benchLarge(b, func(ctx context.Context, c *secretserver.Client) error {
		_, err := c.Folders(ctx)
		return err
	})
}

// BenchmarkScaleVaults is the external vault list (modules 3 and 6) with 150 vaults.
func BenchmarkScaleVaults(b *testing.B) {
	benchLarge(b, func(ctx context.Context, c *secretserver.Client) error {
		_, err := c.Vaults(ctx)
		return err
	})
}

// BenchmarkScaleFindSecretByName is module 6's look-up of the secret to push among 5 000
// secrets, 1 250 of which contain its name.
func BenchmarkScaleFindSecretByName(b *testing.B) {
	benchLarge(b, func(ctx context.Context, c *secretserver.Client) error {
		s, err := c.FindSecretByName(ctx, sssim.PracticePushSecret)
		if err == nil && s == nil {
			err = fmt.Errorf("%s not found", sssim.PracticePushSecret)
		}
		return err
	})
}

// BenchmarkScaleFindSecret is module 2's look-up of an existing secret by name in its template
// (the root folder: every folder).
func BenchmarkScaleFindSecret(b *testing.B) {
	benchLarge(b, func(ctx context.Context, c *secretserver.Client) error {
		_, err := c.FindSecret(ctx, "AWS-SecretsManager-Integration", 2, -1)
		return err
	})
}
