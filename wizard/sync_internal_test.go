package wizard

import (
	"context"
	"strings"
	"testing"
	"time"
)

// listedOnly is a Secret Server that lists given vault secrets (nothing else is called).
type listedOnly struct {
	SecretServer
	names []string
}

func (l listedOnly) VaultSecrets(context.Context, int) ([]VaultSecret, error) {
	var out []VaultSecret
	for _, n := range l.names {
		out = append(out, VaultSecret{Name: n})
	}
	return out, nil
}

func TestPullIsVerifiedOnlyWhenSecretServerListsWhatItPulled(t *testing.T) {
	items := []SyncItem{{Direction: "pull", Name: "a", OK: true}, {Direction: "pull", Name: "b", OK: true}, {Direction: "push", Name: "p", OK: true}}
	if _, err := verifyPull(context.Background(), listedOnly{names: []string{"a"}}, 1, items); err == nil || !strings.Contains(err.Error(), "reported pulling b, but does not list") {
		t.Fatalf("a pulled secret that is not listed must fail: %v", err)
	}
	f, err := verifyPull(context.Background(), listedOnly{names: []string{"a", "b", "x"}}, 1, items)
	if err != nil || f.Value != "2: a, b" {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := verifyPull(context.Background(), listedOnly{}, 1, items[2:]); err == nil {
		t.Fatal("a pull that reports nothing pulled must fail")
	}
}

func TestANewVersionIsANewIDOrALaterChange(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	before := SecretVersion{Exists: true, VersionID: "v1", LastChanged: t0}
	for _, tc := range []struct {
		after SecretVersion
		want  bool
	}{
		{SecretVersion{Exists: true, VersionID: "v1", LastChanged: t0}, false},
		{SecretVersion{Exists: true, VersionID: "v2", LastChanged: t0}, true},
		{SecretVersion{Exists: true, LastChanged: t0.Add(time.Second)}, true},
		{SecretVersion{}, false},
	} {
		if got := tc.after.Newer(before); got != tc.want {
			t.Errorf("%+v newer than %+v: got %v", tc.after, before, got)
		}
	}
	if !(SecretVersion{Exists: true, VersionID: "v1"}).Newer(SecretVersion{}) {
		t.Error("a secret that did not exist before is new")
	}
}
