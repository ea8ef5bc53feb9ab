package wizard_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/wizard"
)

const plantedSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED"

// Structs that hold a Secret in every way code does: exported, unexported, by pointer, in a
// map and a slice. No formatting verb and no encoder may print the value.
type holder struct {
	Exported   wizard.Secret
	unexported wizard.Secret
	ptr        *wizard.Secret
	inMap      map[string]wizard.Secret
	inSlice    []wizard.Secret
	conn       wizard.SSConnection
}

func TestNoFormattingPathRevealsASecret(t *testing.T) {
	sec := wizard.NewSecret(plantedSecret)
	h := holder{Exported: sec, unexported: sec, ptr: &sec, inMap: map[string]wizard.Secret{"k": sec}, inSlice: []wizard.Secret{sec},
		conn: wizard.SSConnection{Username: "admin", Password: sec, Token: sec}}
	values := map[string]any{"secret": sec, "holder": h, "*holder": &h, "connection": h.conn}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, plantedSecret) || strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", plantedSecret)) {
				t.Errorf("%s formatted with %s shows the secret: %s", name, verb, out)
			}
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(string(data), plantedSecret) {
			t.Errorf("%s as JSON shows the secret: %s", name, data)
		}
	}
	if sec.Reveal() != plantedSecret || !sec.Equal(wizard.NewSecret(plantedSecret)) || sec.Empty() {
		t.Fatal("the value itself must still be there for the keyring and the APIs")
	}
	if !(wizard.Secret{}).Empty() || (wizard.Secret{}).Reveal() != "" {
		t.Fatal("the zero Secret is empty")
	}
}
