package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// activityLog lists what the wizard did, newest last; it can be filtered by text and level
// and copied. Events never carry secret values.
type activityLog struct {
	all    []logLine
	shown  []string
	list   *widget.List
	filter *widget.Entry
	level  *widget.Select
	copied *widget.Label
}

type logLine struct {
	level string
	text  string
}

const (
	levelAll    = "All"
	levelErrors = "Errors only"
)

func newActivityLog() *activityLog {
	l := &activityLog{}
	l.list = widget.NewList(
		func() int { return len(l.shown) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(l.shown[i]) },
	)
	l.filter = widget.NewEntry()
	l.filter.SetPlaceHolder("Filter the activity…")
	l.filter.OnChanged = func(string) { l.apply() }
	l.level = widget.NewSelect([]string{levelAll, levelErrors}, func(string) { l.apply() })
	l.level.SetSelected(levelAll)
	l.copied = widget.NewLabel("")
	return l
}

var levelMark = map[string]string{"info": "·", "progress": "…", "done": "✓", "error": "✗"}

func (l *activityLog) add(e wizard.Event) {
	where := e.Ref.Module
	if e.Ref.Step != "" {
		where = e.Ref.String()
	}
	text := e.At.Format("15:04:05") + "  " + levelMark[e.Level] + " " + where + "  " + strings.ReplaceAll(e.Text, "\n", " ")
	l.all = append(l.all, logLine{e.Level, text})
	l.apply()
	l.list.ScrollToBottom()
}

// apply recomputes the shown lines from the filter.
func (l *activityLog) apply() {
	needle := strings.ToLower(strings.TrimSpace(l.filter.Text))
	l.shown = l.shown[:0]
	for _, ln := range l.all {
		if l.level.Selected == levelErrors && ln.level != "error" {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(ln.text), needle) {
			continue
		}
		l.shown = append(l.shown, ln.text)
	}
	l.list.Refresh()
}

// Text is what the log shows now, for copying.
func (l *activityLog) Text() string { return strings.Join(l.shown, "\n") }

func (l *activityLog) view() fyne.CanvasObject {
	copyButton := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(l.Text())
		l.copied.SetText("copied")
	})
	bar := container.NewBorder(nil, nil,
		widget.NewLabelWithStyle("Activity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(l.level, copyButton, l.copied), l.filter)
	return container.NewBorder(bar, nil, nil, nil, l.list)
}
