// Package assets holds the files VaultLink embeds: the guide content and the icon.
package assets

import _ "embed"

// Guide is the six-module guide (steps, explanations, knowledge checks) as YAML.
//
//go:embed guide.yaml
var Guide []byte

// Icon is the application icon (PNG).
//
//go:embed icon.png
var Icon []byte
