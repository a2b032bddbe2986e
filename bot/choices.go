package bot

import (
	"fmt"
	"strconv"
	"strings"
)

// buttonChannels show a message's options as buttons. Elsewhere (SMS) a menu is written
// into the text with numbers, and the number answers it.
var buttonChannels = map[string]bool{"web": true}

// menu asks text with labels to choose from.
func menu(channel, text string, labels []string) *Reply {
	r := ask(text, labels...)
	if !buttonChannels[channel] {
		parts := make([]string, len(labels))
		for i, l := range labels {
			parts[i] = fmt.Sprintf("%d %s", i+1, l)
		}
		r.Messages[0].Text += fmt.Sprintf(msg("choices"), strings.Join(parts, " "))
	}
	return r
}

// changeMenu asks which part of the report to change.
func (e *Engine) changeMenu(t *turn) *Reply {
	t.Stage = stageChange
	return menu(t.Channel, msg("ask_change"), changeLabels())
}

// change asks again the question whose answer the citizen wants to change; once it is
// answered, the dialogue goes on to whatever is still missing, then the summary.
func (e *Engine) change(t *turn, stage string) *Reply {
	t.Stage = stage
	if stage == stageDescribe {
		t.Description = ""
	}
	return e.prompt(t)
}

// pickChange finds the part of the report an answer names: by its number in the menu
// (1, 第1项), by its label or another word for it, or by a label inside a longer answer
// (修改时间).
func pickChange(word string) (stage string, ok bool) {
	n := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(word, "第"), "项"), "个")
	if i, err := strconv.Atoi(n); err == nil && i >= 1 && i <= len(changeOptions) {
		return changeOptions[i-1].stage, true
	}
	for _, o := range changeOptions {
		if word == o.label || oneOf(word, o.aliases) {
			return o.stage, true
		}
	}
	for _, o := range changeOptions {
		for _, w := range append([]string{o.label}, o.aliases...) {
			if strings.Contains(word, w) {
				return o.stage, true
			}
		}
	}
	return "", false
}

func changeLabels() []string {
	out := make([]string, len(changeOptions))
	for i, o := range changeOptions {
		out[i] = o.label
	}
	return out
}
