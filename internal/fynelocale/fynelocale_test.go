package fynelocale_test

import (
	"testing"

	"github.com/vaultlink/vaultlink/internal/fynelocale"
)

func TestFallbackOnlyForCAndPOSIXWithACodeset(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"LANG": "C.UTF-8"}, true},
		{map[string]string{"LANG": "POSIX.UTF-8"}, true},
		{map[string]string{"LANG": "C@euro"}, true},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, true},
		{map[string]string{"LC_MESSAGES": "C.utf8"}, true},
		{map[string]string{"LANG": "C"}, false},     // Fyne already falls back quietly
		{map[string]string{"LANG": "POSIX"}, false}, // likewise
		{map[string]string{"LANG": "en_US.UTF-8"}, false},
		{map[string]string{"LANG": "de_DE.UTF-8"}, false},
		{map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, false}, // LC_ALL wins
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "de"}, false},        // the admin chose
		{map[string]string{}, false},
	} {
		got := fynelocale.NeedsFallback(func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("%v: fallback %v, want %v", tc.env, got, tc.want)
		}
	}
}
