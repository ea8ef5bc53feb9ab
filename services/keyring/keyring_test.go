package keyring_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/wizard"
)

// These tests use the real Secret Service: `make test` runs them inside .ci/with-keyring
// (a private D-Bus session with an unlocked GNOME Keyring).
func open(t *testing.T) *keyring.System {
	t.Helper()
	kr, err := keyring.Open(true)
	if err != nil {
		if os.Getenv("VAULTLINK_REQUIRE_KEYRING") == "1" {
			t.Fatalf("no system keyring: %v", err)
		}
		t.Skipf("no system keyring (make test starts one): %v", err)
	}
	return kr
}

func TestStoreLoadOverwriteRemove(t *testing.T) {
	kr := open(t)
	ref := "aws/test-user/AKIATESTKEY"
	t.Cleanup(func() { kr.Remove(ref) })
	if err := kr.Store(ref, wizard.NewSecret("first ünïcødé value")); err != nil {
		t.Fatal(err)
	}
	if err := kr.Store(ref, wizard.NewSecret("second ünïcødé value")); err != nil {
		t.Fatal(err)
	}
	got, err := kr.Load(ref)
	if err != nil || !got.Equal(wizard.NewSecret("second ünïcødé value")) {
		t.Fatalf("load after overwrite: equal=%v err=%v", got.Equal(wizard.NewSecret("second ünïcødé value")), err)
	}
	if err := kr.Remove(ref); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Load(ref); err == nil || !strings.Contains(err.Error(), "no entry") {
		t.Fatalf("load after remove: %v", err)
	}
	if err := kr.Remove(ref); err != nil {
		t.Fatalf("removing a missing entry is not an error: %v", err)
	}
}

func TestSizeLimitIsTheSmallestOSLimit(t *testing.T) {
	kr := open(t)
	t.Cleanup(func() { kr.Remove("big") })
	if err := kr.Store("big", wizard.NewSecret(strings.Repeat("x", 2560))); err != nil {
		t.Fatalf("2560 bytes fit everywhere: %v", err)
	}
	if err := kr.Store("big", wizard.NewSecret(strings.Repeat("x", 2561))); err == nil || !strings.Contains(err.Error(), "at most 2560") {
		t.Fatalf("2561 bytes must be refused with the reason: %v", err)
	}
}

func TestPracticeAndLiveEntriesAreApart(t *testing.T) {
	practice := open(t)
	live, err := keyring.Open(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { practice.Remove("same-ref"); live.Remove("same-ref") })
	// The entry must really be there: if Store failed, live mode would not see it for the
	// wrong reason.
	if err := practice.Store("same-ref", wizard.NewSecret("practice")); err != nil {
		t.Fatal(err)
	}
	if got, err := practice.Load("same-ref"); err != nil || !got.Equal(wizard.NewSecret("practice")) {
		t.Fatalf("practice mode must read back its own entry: %v", err)
	}
	if _, err := live.Load("same-ref"); err == nil {
		t.Fatal("a practice entry must not be visible to live mode")
	}
	if practice.Service() == live.Service() {
		t.Fatal("practice entries need their own service name")
	}
}

func TestSecretNeverFormats(t *testing.T) {
	s := wizard.NewSecret("hunter2")
	for _, got := range []string{s.String(), s.GoString()} {
		if strings.Contains(got, "hunter2") {
			t.Fatalf("formatted secret shows its value: %q", got)
		}
	}
	b, _ := s.MarshalJSON()
	if strings.Contains(string(b), "hunter2") {
		t.Fatal("JSON shows the value")
	}
}

func TestMemoryFallbackSaysWhatItIs(t *testing.T) {
	m := keyring.NewMemory()
	if !strings.Contains(m.Name(), "memory") {
		t.Fatalf("name %q must say secrets are in memory", m.Name())
	}
	if err := m.Store("r", wizard.NewSecret("v")); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Load("r"); err != nil || !got.Equal(wizard.NewSecret("v")) {
		t.Fatal("memory store lost the value")
	}
}

// The in-memory store holds secrets in a map of an unexported field: formatting it must not
// show them.
func TestFormattingTheMemoryStoreShowsNoSecret(t *testing.T) {
	const planted = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYMEMORY"
	m := keyring.NewMemory()
	if err := m.Store("aws/u/AKIA", wizard.NewSecret(planted)); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(verb, m); strings.Contains(out, planted) {
			t.Errorf("%s of the memory store shows the secret: %s", verb, out)
		}
	}
}
