package main

import (
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/services/stack"
)

// serverFlags are the flags about the Secret Server's API: a map an admin (or support)
// supplies instead of discovery, and the practice server's dialect and behaviour.
type serverFlags struct {
	apiMapFile       string
	apiMap           *secretserver.APIMap
	practiceDialect  string
	practiceSilent   bool
	practicePageSize int
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.apiMapFile, "ss-api-map", "", "a Secret Server API map (JSON, see docs/secret-server-api.md) to use instead of discovering the external-vault operations")
	f.registerPractice(fs)
}

// registerPractice registers the practice server's flags only (`vaultlink sandbox`).
func (f *serverFlags) registerPractice(fs *flag.FlagSet) {
	fs.StringVar(&f.practiceDialect, "practice-dialect", "", "practice mode: how the practice Secret Server names its external-vault API: service, links, incomplete or api-11.2 (default: the original practice shape)")
	fs.BoolVar(&f.practiceSilent, "practice-silent-sync", false, "practice mode: a Secret Server whose Push, Pull and Sync answer OK but move nothing")
	fs.IntVar(&f.practicePageSize, "practice-page-size", 0, "practice mode: at most this many records per page in the practice Secret Server's lists")
}

// apply checks the flags and puts the practice settings into o; it reads and validates the
// map file, so a bad one is refused before any call.
func (f *serverFlags) apply(o *stack.Options) error {
	if !slices.Contains(sssim.Dialects, f.practiceDialect) {
		return fmt.Errorf("--practice-dialect %q: choose one of service, links, incomplete, api-11.2 (or leave it empty)", f.practiceDialect)
	}
	o.PracticeSS.Dialect, o.PracticeSS.SilentSync, o.PracticeSS.PageSize = f.practiceDialect, f.practiceSilent, f.practicePageSize
	if f.apiMapFile == "" {
		return nil
	}
	data, err := os.ReadFile(f.apiMapFile)
	if err != nil {
		return fmt.Errorf("--ss-api-map: %w", err)
	}
	m, err := secretserver.ParseAPIMap(data)
	if err != nil {
		return fmt.Errorf("--ss-api-map %s: %w", f.apiMapFile, err)
	}
	f.apiMap = m
	return nil
}

// supply hands the supplied map to the built Secret Server client.
func (f *serverFlags) supply(st *stack.Stack) {
	if f.apiMap != nil && st.SS != nil {
		st.SS.SupplyAPIMap(f.apiMap)
	}
}
