package wizard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/wizard"
)

// A key from 90 days old is a warning (rotate), not drift: status stays 0. One day younger, ok.
func TestHealthWarnsFromNinetyDays(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Unattended)
	ctx := context.Background()
	if err := s.RunAll(ctx, func(string) {}); err != nil {
		t.Fatal(err)
	}
	state, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		age  time.Duration
		want wizard.HealthStatus
	}{{89 * 24 * time.Hour, wizard.HealthOK}, {wizard.KeyAgeWarning + time.Hour, wizard.HealthWarn}} {
		svc := st.Services
		svc.Now = func() time.Time { return time.Now().Add(c.age) }
		r := wizard.CheckHealth(ctx, svc, state)
		key, _ := r.Item(wizard.HealthKey)
		if key.Status != c.want || r.ExitCode() != 0 {
			t.Fatalf("a key %v old: %s (%s), exit %d; want %s and exit 0", c.age, key.Status, key.Detail, r.ExitCode(), c.want)
		}
		if c.want == wizard.HealthWarn && (!strings.Contains(key.Detail, "due for rotation") || !strings.Contains(key.Fix, "vaultlink rotate-key")) {
			t.Fatalf("the warning must say why and how: %+v", key)
		}
	}
}
