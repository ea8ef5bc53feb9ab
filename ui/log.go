package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// activityLog lists what the wizard did, newest last. Events never carry secret values.
type activityLog struct {
	lines []string
	list  *widget.List
}

func newActivityLog() *activityLog {
	l := &activityLog{}
	l.list = widget.NewList(
		func() int { return len(l.lines) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(l.lines[i]) },
	)
	return l
}

var levelMark = map[string]string{"info": "·", "progress": "…", "done": "✓", "error": "✗"}

func (l *activityLog) add(e wizard.Event) {
	where := e.Ref.Module
	if e.Ref.Step != "" {
		where = e.Ref.String()
	}
	l.lines = append(l.lines, e.At.Format("15:04:05")+"  "+levelMark[e.Level]+" "+where+"  "+strings.ReplaceAll(e.Text, "\n", " "))
	l.list.Refresh()
	l.list.ScrollToBottom()
}

// Text is the whole log, for copying.
func (l *activityLog) Text() string { return strings.Join(l.lines, "\n") }

func (l *activityLog) view() fyne.CanvasObject {
	return container.NewBorder(widget.NewLabelWithStyle("Activity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, l.list)
}
