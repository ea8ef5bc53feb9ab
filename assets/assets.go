// Package assets holds the files VaultLink embeds: the guide content and the icon.
//
// The icons are 8-bit PNGs: a 16-bit icon decodes to twice the memory for nothing a screen can
// show. icon-header.png is icon.png scaled down (convert icon.png -strip -resize 64x64 -depth 8
// PNG32:icon-header.png), so the header does not keep a 512×512 image decoded for a 20-pixel
// icon.
package assets

import _ "embed"

// Guide is the six-module guide (steps, explanations, knowledge checks) as YAML.
//
//go:embed guide.yaml
var Guide []byte

// Icon is the application icon (PNG, 512×512): the window's and the installers'.
//
//go:embed icon.png
var Icon []byte

// HeaderIcon is the icon shown in the window's header (PNG, 64×64: enough up to 3× scale).
//
//go:embed icon-header.png
var HeaderIcon []byte
