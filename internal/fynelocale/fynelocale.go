// Package fynelocale gives Fyne a language it can parse when the locale is C.UTF-8 (or
// POSIX.UTF-8), the default in containers, on servers and in many SSH sessions.
//
// Fyne takes the language from LC_ALL, LC_MESSAGES or LANG and, unless that is exactly "C" or
// "POSIX", from LANGUAGE first. "C.UTF-8" reaches its parser as the language "C", which is not a
// language tag: Fyne logs "Fyne error: Error parsing user locale C" when its lang package
// initialises, which is in every vaultlink command because the binary links Fyne, and again
// each time the window asks for the locale. Setting LANGUAGE=en, when it is unset, makes Fyne
// use English (what C means) and leaves the character set (LC_CTYPE) alone.
//
// Importing this package for its side effect is enough, because it is initialised before
// Fyne's lang package. Go initialises, at each step, the first package in import-path order
// whose imports are all initialised (the spec's rule since Go 1.21). This package imports only
// os and strings, which golang.org/x/text/language (imported by fyne.io/fyne/v2/lang) imports
// too, and "github.com/vaultlink/…" sorts before "golang.org/…": so it is initialised before
// x/text/language, and so before Fyne's lang. cmd/vaultlink's TestNoFyneLocaleErrorUnderCUTF8
// runs the binary under LANG=C.UTF-8 to keep that true.
package fynelocale

import (
	"os"
	"strings"
)

func init() {
	if NeedsFallback(os.Getenv) {
		os.Setenv("LANGUAGE", "en")
	}
}

// NeedsFallback reports whether Fyne would read a C or POSIX locale with a codeset or modifier
// ("C.UTF-8", "POSIX@x") as the unparseable language "C" or "POSIX", reading the environment
// as Fyne's locale library does.
func NeedsFallback(getenv func(string) string) bool {
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	if loc == "C" || loc == "POSIX" {
		return false // Fyne treats these as "no locale" and uses English quietly
	}
	if getenv("LANGUAGE") != "" {
		return false // Fyne reads LANGUAGE instead; an admin who set it chose a language
	}
	lang, _, _ := strings.Cut(loc, ".")
	lang, _, _ = strings.Cut(lang, "@")
	return lang == "C" || lang == "POSIX"
}
