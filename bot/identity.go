package bot

// What of a conversation identifies the reporter. The chat transcript drops the lines
// flagged here once the report is filed, and the session forgets them, so a session id
// alone never shows who reported.

// identityStages are the questions whose answers identify the reporter.
var identityStages = map[string]bool{stageIdentity: true, stageName: true, stagePhone: true}

// answersIdentity says whether text, arriving while s is at its current stage, answers an
// identity question or corrects such an answer. It errs towards yes: a citizen asked for
// a phone number may write it inside a sentence the dialogue does not accept.
func answersIdentity(s *Session, text string) bool {
	if _, ok := correction(text); ok && identityStages[s.Last] {
		return true
	}
	return identityStages[s.Stage]
}

// forget keeps of a filed report only what the conversation still needs: its ticket and
// the flags staff act on. The account, name and phone are in the ticket now.
func (s *Session) forget() {
	*s = Session{Channel: s.Channel, Key: s.Key, ReportID: s.ReportID, Version: s.Version,
		Stage: stageDone, Ticket: s.Ticket, Urgent: s.Urgent, Handoff: s.Handoff}
}
