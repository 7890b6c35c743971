package validate

// RaceEnabled tells the external tests that sync.Pool drops what is put
// back (it does under the race detector), so allocation counts vary.
const RaceEnabled = raceEnabled
