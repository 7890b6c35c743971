package audit

import "time"

// now is the clock of event records; tests replace it.
var now = time.Now
