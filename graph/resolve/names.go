package resolve

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-unidecode"
)

// FoldName is the one normal form of a name that everything compares: transliterated to Latin
// letters and stripped of accents (Müller -> muller, ß -> ss, Ротенберг -> rotenberg), words
// run together in camel case split ("VladimirPutin"), lower-cased, punctuation turned into
// spaces, whitespace collapsed. The privacy-preserving encodings (EncodeCLK) use it too, so a
// partner's encoded name and Crosslink's clear one agree.
func FoldName(s string) string {
	if s == "" {
		return ""
	}
	if !isASCII(s) {
		// Other scripts are transliterated (Ротенберг -> Rotenberg, Σωκράτης -> Sokrates),
		// accents dropped; a few letters first, where the common spelling differs.
		s = unidecode.Unidecode(foldLetters.Replace(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	space := true
	lowerRun := 0
	for _, r := range s {
		// "VladimirPutin" is two words; "McDonald", "MacLeod" and "DeAngelo" are one
		if unicode.IsUpper(r) && lowerRun >= 3 && !space {
			b.WriteByte(' ')
		}
		if unicode.IsLower(r) {
			lowerRun++
		} else {
			lowerRun = 0
		}
		r = unicode.ToLower(r)
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		case r == '\'' || r == '’':
			// O'Brien -> obrien
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// foldLetters spells out the letters that Unicode decomposition does not take apart.
var foldLetters = strings.NewReplacer("ß", "ss", "ẞ", "SS", "æ", "ae", "Æ", "AE", "ø", "o", "Ø", "O",
	"œ", "oe", "Œ", "OE", "ł", "l", "Ł", "L", "đ", "d", "Đ", "D", "ı", "i")

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
