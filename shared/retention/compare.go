package retention

// Earlier reports whether after brings the clip's deletion earlier than before: before held (no date) and after
// dated, or both dated and after's date before before's. It compares the natural schedules (RetainUntil, which
// already includes the minimum dwell) and ignores ReleaseFrom: a change for which it is true gets the policy's
// release grace. Equal dates, after held, or neither dated are not earlier.
func Earlier(before, after Schedule) bool {
	return compareDates(before, after) == MovedEarlier
}
