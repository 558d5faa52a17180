package format

import "strings"

// UserAgent names the browser and system in a User-Agent header in plain
// words, such as "Firefox on Windows" or "Safari on iPhone", for a list
// of a person's sessions. It knows the common browsers only; anything
// else is "An unknown browser", with its system when that is known.
func UserAgent(ua string) string {
	browser, system := "", ""
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser == "" && system == "":
		return "An unknown browser"
	case browser == "":
		return "A browser on " + system
	case system == "":
		return browser
	}
	return browser + " on " + system
}

type uaName struct{ token, name string }

// browsers in the order they must be tried: Edge, Opera and Samsung
// Internet also say "Chrome", and Chrome also says "Safari".
var browsers = []uaName{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
	{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
	{"Safari/", "Safari"},
	{"curl/", "curl"},
}

// systems in the order they must be tried: iPhone and Android also say
// "like Mac OS X" or "Linux".
var systems = []uaName{
	{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
	{"CrOS", "ChromeOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
	{"Linux", "Linux"},
}
