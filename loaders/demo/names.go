package demo

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// culture is a naming tradition: the first names and surnames a person of it is given.
type culture struct {
	male, female, surnames []string
}

var cultures = map[string]culture{ // lookup only; never iterated for output
	"en": {
		male: []string{"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
			"Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew",
			"Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
			"Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Justin", "Scott", "Brandon", "Benjamin",
			"Samuel", "Gregory", "Alexander", "Patrick", "Frank", "Raymond", "Jack", "Dennis", "Oliver", "Harry",
			"Liam", "Noah", "Ethan", "Lachlan", "Connor", "Callum", "Graham", "Nigel", "Trevor", "Malcolm", "Darren",
			"Craig", "Shane", "Bruce", "Neil", "Ian", "Gordon", "Keith", "Peter", "Philip", "Douglas", "Wayne"},
		female: []string{"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
			"Karen", "Lisa", "Nancy", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle", "Carol",
			"Amanda", "Dorothy", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Kathleen",
			"Amy", "Angela", "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen", "Samantha", "Katherine",
			"Christine", "Rachel", "Catherine", "Carolyn", "Janet", "Ruth", "Heather", "Diane", "Olivia", "Charlotte",
			"Sophie", "Chloe", "Grace", "Isla", "Zoe", "Hannah", "Victoria", "Gemma", "Kylie", "Tracey", "Megan"},
		surnames: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
			"Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
			"Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
			"Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
			"Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
			"Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett",
			"Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "McDonald", "MacKenzie",
			"O'Brien", "O'Neill", "Fitzgerald", "Whitfield", "Ashworth", "Pemberton", "Hargreaves", "Blackwood",
			"Thornton", "Fletcher", "Holloway", "Lockwood", "Sutherland", "Gallagher", "Donnelly", "Kavanagh",
			"Henderson", "Patterson", "Dawson", "Fraser", "Gibson", "Hamilton", "Graham", "Wallace"},
	},
	"de": {
		male: []string{"Thomas", "Michael", "Andreas", "Stefan", "Christian", "Markus", "Alexander", "Sebastian",
			"Tobias", "Matthias", "Jürgen", "Klaus", "Wolfgang", "Uwe", "Frank", "Jörg", "Dieter", "Lukas", "Jonas",
			"Felix", "Maximilian", "Florian", "Johannes", "Hans", "Peter", "Günter", "Ralf", "Bernd"},
		female: []string{"Sabine", "Petra", "Monika", "Claudia", "Susanne", "Andrea", "Birgit", "Stefanie", "Julia",
			"Katharina", "Anna", "Lena", "Laura", "Sophie", "Ursula", "Renate", "Jana", "Lea", "Hannah", "Jutta",
			"Karin", "Ingrid", "Gabriele", "Nicole"},
		surnames: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
			"Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
			"Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
			"Schmitz", "Krause", "Meier", "Lehmann", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
			"Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel", "Friedrich",
			"Keller", "Günther"},
	},
	"nl": {
		male: []string{"Jan", "Pieter", "Kees", "Willem", "Hendrik", "Johannes", "Cornelis", "Bram", "Daan", "Sem",
			"Lucas", "Thijs", "Ruben", "Jeroen", "Bas", "Maarten", "Sander", "Joost", "Gerrit", "Dirk", "Rutger",
			"Wouter", "Niels", "Stijn"},
		female: []string{"Anna", "Maria", "Johanna", "Sanne", "Femke", "Lotte", "Eva", "Anouk", "Fleur", "Iris",
			"Marieke", "Ingrid", "Esther", "Linda", "Marloes", "Noor", "Tess", "Julia", "Sophie", "Annelies",
			"Mirjam", "Wilma"},
		surnames: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
			"Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
			"van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer",
			"van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen",
			"van den Broek", "de Bruijn", "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet"},
	},
	"ph": {
		male: []string{"Jose", "Juan", "Mark Anthony", "John Paul", "Jerome", "Rodel", "Rolando", "Ramon",
			"Eduardo", "Antonio", "Christian", "Jayson", "Reynaldo", "Arnel", "Dennis", "Ronaldo", "Joel",
			"Emmanuel", "Renato", "Noel"},
		female: []string{"Maria Cristina", "Maricel", "Rowena", "Jocelyn", "Lorna", "Marites", "Rosalie", "Analyn",
			"Jennylyn", "Kristine", "Angelica", "Mary Grace", "Lovely", "Princess", "Jasmine", "Camille",
			"Maria Theresa", "Divina", "Arlene", "Liza", "Rhea", "Joy", "Cherry", "Mylene", "Shaira", "Janine",
			"Charmaine", "Ma. Luisa"},
		surnames: []string{"Dela Cruz", "Santos", "Reyes", "Garcia", "Mendoza", "Bautista", "Villanueva", "Ramos",
			"Aquino", "Castillo", "Rivera", "Gonzales", "Flores", "Lopez", "Torres", "Cruz", "Fernandez",
			"Navarro", "Domingo", "Pascual", "Manalo", "Soriano", "Dizon", "Salazar", "Mercado", "Aguilar",
			"De Guzman", "Del Rosario", "Tolentino", "Panganiban", "Macaraeg", "Dimaculangan", "Magbanua",
			"Evangelista", "Lacson", "Ocampo", "Samonte", "Cabrera", "Marquez", "Valdez"},
	},
	"in": {
		male:     []string{"Rahul", "Amit", "Sanjay", "Vijay", "Rajesh", "Arjun", "Vikram", "Anil", "Suresh", "Deepak", "Ravi", "Karan", "Rohan", "Manoj"},
		female:   []string{"Priya", "Anjali", "Sunita", "Neha", "Pooja", "Kavita", "Deepa", "Lakshmi", "Meera", "Asha", "Divya", "Shreya"},
		surnames: []string{"Patel", "Sharma", "Singh", "Kumar", "Gupta", "Shah", "Mehta", "Reddy", "Nair", "Iyer", "Joshi", "Desai", "Rao", "Chopra", "Malhotra", "Pillai"},
	},
	"pl": {
		male:   []string{"Piotr", "Krzysztof", "Tomasz", "Paweł", "Marcin", "Michał", "Łukasz", "Grzegorz", "Jakub", "Andrzej"},
		female: []string{"Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Małgorzata", "Ewa", "Monika", "Aleksandra", "Natalia"},
		surnames: []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
			"Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Mazur", "Krawczyk"},
	},
	"vn": {
		male:     []string{"Minh", "Tuan", "Hung", "Dung", "Thanh", "Quang", "Hieu", "Khoa", "Long", "Nam"},
		female:   []string{"Lan", "Huong", "Mai", "Linh", "Thao", "Trang", "Ngoc", "Hoa", "Phuong", "Anh"},
		surnames: []string{"Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do", "Ho", "Ngo"},
	},
	"co": {
		male: []string{"Juan Carlos", "Andrés", "Carlos", "Luis", "Jorge", "Diego", "Santiago", "Sebastián", "Felipe",
			"Alejandro", "Camilo", "Julián"},
		female: []string{"María José", "Valentina", "Daniela", "Camila", "Laura", "Paula", "Natalia", "Carolina",
			"Luisa", "Sofía", "Mariana", "Catalina", "Isabella", "Juliana", "Alejandra"},
		surnames: []string{"Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández", "Sánchez",
			"Ramírez", "Pérez", "Díaz", "Torres", "Vargas", "Moreno", "Rojas", "Jiménez", "Castro", "Ortiz",
			"Gutiérrez", "Ospina", "Restrepo", "Cardona", "Londoño", "Quintero"},
	},
	"ro": {
		male: []string{"Andrei", "Alexandru", "Ionuț", "Mihai", "Bogdan", "Florin", "Adrian", "Cristian", "Gabriel", "Vlad"},
		female: []string{"Elena", "Ioana", "Andreea", "Maria", "Alexandra", "Cristina", "Mihaela", "Gabriela", "Raluca",
			"Bianca", "Daniela", "Roxana", "Denisa", "Alina"},
		surnames: []string{"Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu",
			"Constantin", "Rusu", "Munteanu", "Marin", "Tudor", "Dinu", "Moldovan", "Lungu", "Radu"},
	},
	"th": {
		male: []string{"Somchai", "Anan", "Kittisak", "Wichai", "Prasert", "Surachai", "Thanakorn"},
		female: []string{"Siriporn", "Nattaya", "Pimchanok", "Kanokwan", "Supaporn", "Ratana", "Wanida", "Araya",
			"Chutima", "Malee", "Ploy", "Kanya", "Duangjai", "Sasithorn"},
		surnames: []string{"Srisawat", "Saetang", "Chaiyaporn", "Wongsakul", "Rattanakorn", "Boonmee", "Kaewkla",
			"Sukprasert", "Thongchai", "Phromma", "Jaidee", "Intharasombat"},
	},
	"ng": {
		male: []string{"Chinedu", "Emeka", "Oluwaseun", "Tunde", "Ibrahim", "Musa", "Chukwuemeka", "Obinna", "Segun",
			"Kelechi", "Ifeanyi", "Babatunde", "Yusuf", "Uche"},
		female: []string{"Ngozi", "Chioma", "Funmilayo", "Aisha", "Blessing", "Adaeze", "Folake", "Amaka", "Yetunde", "Zainab"},
		surnames: []string{"Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Ogunleye", "Bello", "Abubakar",
			"Adebayo", "Chukwu", "Olawale", "Onyeka", "Obi", "Nnamdi"},
	},
	"gh": {
		male:     []string{"Kwame", "Kofi", "Kwabena", "Yaw", "Kojo", "Kwaku", "Emmanuel", "Samuel", "Prince", "Ebenezer"},
		female:   []string{"Ama", "Akua", "Abena", "Efua", "Esi", "Adwoa", "Afia"},
		surnames: []string{"Mensah", "Owusu", "Boateng", "Asante", "Osei", "Agyeman", "Appiah", "Danso", "Amoah", "Ofori", "Addo", "Quaye"},
	},
}

// drawName gives a person of a culture a first name and surname. Polish surnames take their
// feminine form.
func drawName(r *rand.Rand, cult string, female bool) (first, last string) {
	c := cultures[cult]
	if female {
		first = pick(r, c.female)
	} else {
		first = pick(r, c.male)
	}
	last = pick(r, c.surnames)
	if cult == "pl" && female {
		for _, suf := range [][2]string{{"ski", "ska"}, {"cki", "cka"}, {"dzki", "dzka"}} {
			if strings.HasSuffix(last, suf[0]) {
				last = strings.TrimSuffix(last, suf[0]) + suf[1]
			}
		}
	}
	if cult == "co" && chance(r, 0.5) {
		// Colombians carry both surnames; sources keep one or both.
		second := pick(r, c.surnames)
		if second != last {
			last += " " + second
		}
	}
	return first, last
}

// nicknames are the short forms people sign with on platforms.
var nicknames = map[string][]string{ // lookup only
	"Jonathan": {"Jon", "Jonny"}, "William": {"Will", "Bill"}, "Robert": {"Rob", "Bob", "Bobby"},
	"Richard": {"Rick", "Rich"}, "Michael": {"Mike", "Mick"}, "Christopher": {"Chris"}, "Matthew": {"Matt"},
	"Andrew": {"Andy", "Drew"}, "Daniel": {"Dan", "Danny"}, "James": {"Jim", "Jamie"}, "Thomas": {"Tom", "Tommy"},
	"Joseph": {"Joe"}, "Benjamin": {"Ben"}, "Nicholas": {"Nick"}, "Anthony": {"Tony"}, "Stephen": {"Steve"},
	"Steven": {"Steve"}, "Timothy": {"Tim"}, "Edward": {"Ed", "Ted"}, "Gregory": {"Greg"}, "Peter": {"Pete"},
	"Samuel": {"Sam"}, "Alexander": {"Alex"}, "Kenneth": {"Ken"}, "Ronald": {"Ron"}, "Donald": {"Don"},
	"Douglas": {"Doug"}, "Philip": {"Phil"}, "Raymond": {"Ray"}, "Lachlan": {"Lachie"}, "Malcolm": {"Mal"},
	"Elizabeth": {"Liz", "Beth", "Lizzie"}, "Katherine": {"Kate", "Katie"}, "Catherine": {"Cathy", "Kate"},
	"Jennifer": {"Jen", "Jenny"}, "Margaret": {"Maggie", "Peggy"}, "Patricia": {"Pat", "Trish"},
	"Rebecca": {"Becky", "Bec"}, "Susan": {"Sue"}, "Victoria": {"Vicky", "Tori"}, "Deborah": {"Debbie", "Deb"},
	"Jessica": {"Jess"}, "Samantha": {"Sam"}, "Christine": {"Chris"}, "Kimberly": {"Kim"}, "Pamela": {"Pam"},
	"Melissa": {"Mel"}, "Stephanie": {"Steph"}, "Amanda": {"Mandy"}, "Kathleen": {"Kathy"},
	"Maria Cristina": {"Cristina", "Cris", "Tina"}, "Maria Theresa": {"Tess", "Maritess"}, "Mary Grace": {"Grace"},
	"Ma. Luisa": {"Luisa", "Weng"}, "Mark Anthony": {"Mark", "Macky"}, "John Paul": {"JP", "Jaypee"},
	"Johannes": {"Hannes", "Jan"}, "Wolfgang": {"Wolf"}, "Matthias": {"Matze"}, "Maximilian": {"Max"},
	"Sebastian": {"Basti"}, "Katharina": {"Kathi"}, "Stefanie": {"Steffi"}, "Gabriele": {"Gabi"},
	"Cornelis": {"Kees"}, "Hendrik": {"Henk"}, "Willem": {"Wim"}, "Johanna": {"Jo", "Anneke"},
	"María José": {"Majo"}, "Juan Carlos": {"Juanca"}, "Alejandro": {"Alejo"}, "Alejandra": {"Aleja"},
	"Aleksandra": {"Ola"}, "Małgorzata": {"Gosia"}, "Katarzyna": {"Kasia"}, "Krzysztof": {"Krzysiek"},
	"Oluwaseun": {"Seun"}, "Chukwuemeka": {"Emeka"}, "Babatunde": {"Tunde"},
}

// foldASCII replaces letters with diacritics by their plain forms; German umlauts become two
// letters when de is true (Müller → Mueller), one otherwise (Muller).
func foldASCII(s string, de bool) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 'ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü':
			base := map[rune]string{'ä': "a", 'ö': "o", 'ü': "u", 'Ä': "A", 'Ö': "O", 'Ü': "U"}[r]
			if de {
				base += "e"
			}
			b.WriteString(base)
		case 'ß':
			b.WriteString("ss")
		case 'á', 'à', 'â', 'ă', 'ą', 'ã':
			b.WriteByte('a')
		case 'é', 'è', 'ê', 'ę', 'ế':
			b.WriteByte('e')
		case 'í', 'î', 'ì':
			b.WriteByte('i')
		case 'ó', 'ô', 'ò', 'ồ':
			b.WriteByte('o')
		case 'ú', 'ù', 'û':
			b.WriteByte('u')
		case 'ñ', 'ń':
			b.WriteByte('n')
		case 'ç', 'ć':
			b.WriteByte('c')
		case 'ł':
			b.WriteByte('l')
		case 'Ł':
			b.WriteByte('L')
		case 'ś', 'ș':
			b.WriteByte('s')
		case 'ź', 'ż':
			b.WriteByte('z')
		case 'ț':
			b.WriteByte('t')
		case 'đ':
			b.WriteByte('d')
		case 'Đ':
			b.WriteByte('D')
		case 'Á':
			b.WriteByte('A')
		case 'É':
			b.WriteByte('E')
		case 'Ș':
			b.WriteByte('S')
		case 'Ț':
			b.WriteByte('T')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// slug is a name as it appears in e-mail addresses and usernames: ASCII letters and digits
// only, lower-case.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(foldASCII(s, false)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// typo introduces one plausible spelling error: a swapped pair, a dropped or doubled letter, or
// the i/y and ie/ei confusions (Smith → Smyth).
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	switch r.IntN(5) {
	case 0:
		for _, pair := range [][2]string{{"i", "y"}, {"y", "i"}, {"ei", "ie"}, {"ie", "ei"}, {"ph", "f"}, {"c", "k"}, {"ou", "o"}} {
			if i := strings.Index(s[1:], pair[0]); i >= 0 {
				return s[:i+1] + pair[1] + s[i+1+len(pair[0]):]
			}
		}
		fallthrough
	case 1: // swap two inner letters
		i := 1 + r.IntN(len(rs)-3)
		if unicode.IsLetter(rs[i]) && unicode.IsLetter(rs[i+1]) && rs[i] != rs[i+1] {
			rs[i], rs[i+1] = rs[i+1], rs[i]
			return string(rs)
		}
		fallthrough
	case 2: // drop a letter
		i := 1 + r.IntN(len(rs)-2)
		if unicode.IsLetter(rs[i]) {
			return string(rs[:i]) + string(rs[i+1:])
		}
		fallthrough
	default: // double a letter
		i := 1 + r.IntN(len(rs)-2)
		if unicode.IsLetter(rs[i]) {
			return string(rs[:i+1]) + string(rs[i:])
		}
		return s
	}
}

// variant writes a person's name as another source might: a nickname, an initial, a typo,
// the umlauts or particles written differently, or the case changed. It never returns the
// exact input unless no variation applies.
func variant(r *rand.Rand, first, last string) (string, string) {
	for range 4 {
		f, l := first, last
		switch r.IntN(7) {
		case 0:
			if n, ok := nicknames[first]; ok {
				f = pick(r, n)
			} else if i := strings.IndexByte(first, ' '); i > 0 {
				f = first[:i]
			} else {
				f = typo(r, first)
			}
		case 1:
			f = string([]rune(first)[:1]) + "."
		case 2:
			l = typo(r, last)
		case 3:
			if folded := foldASCII(last, true); folded != last {
				l = folded
			} else if folded := foldASCII(first, false); folded != first {
				f = folded
			} else {
				l = typo(r, last)
			}
		case 4:
			// Particles and compound surnames are joined, split or capitalised differently.
			switch {
			case strings.Contains(last, " "):
				if chance(r, 0.5) {
					l = strings.ReplaceAll(last, " ", "")
				} else {
					l = strings.ToUpper(last[:1]) + last[1:]
					if strings.HasPrefix(last, "Dela ") {
						l = "De la " + last[5:]
					}
				}
			case strings.HasPrefix(last, "Mc"):
				l = "Mac" + last[2:]
			case strings.HasPrefix(last, "O'"):
				l = "O" + last[2:]
			default:
				l = typo(r, last)
			}
		case 5:
			f, l = strings.ToUpper(first), strings.ToUpper(last)
		default:
			if n, ok := nicknames[first]; ok {
				f = pick(r, n)
			}
			l = typo(r, last)
		}
		if f != first || l != last {
			return f, l
		}
	}
	return first, strings.ToUpper(last)
}

// emailLocal makes the part before the @ from a name, in one of the ways people choose.
func emailLocal(r *rand.Rand, first, last string, birthYear int) string {
	f, l := slug(first), slug(last)
	if f == "" {
		f = "x"
	}
	if l == "" {
		l = "y"
	}
	yy := birthYear % 100
	switch r.IntN(7) {
	case 0:
		return f + "." + l
	case 1:
		return f[:1] + l
	case 2:
		return f + "." + l + twoDigits(yy)
	case 3:
		return l + "." + f
	case 4:
		return f + "_" + l + itoa(between(r, 1, 99))
	case 5:
		return f + l[:1] + itoa(birthYear)
	default:
		return f[:1] + "." + l + itoa(between(r, 1, 999))
	}
}

var emailDomains = []string{"mailbox.example", "inbox.example", "post.example", "webmail.example",
	"proton.example", "fastmail.example", "netcom.example", "bigpond.example"}

var usernameWords = []string{"sunny", "blue", "wolf", "traveller", "coffee", "pixel", "night", "river",
	"storm", "lucky", "happy", "silver", "ocean", "tiger", "shadow", "maple", "echo", "nova", "rider",
	"sky", "fox", "bear", "dreamer", "ninja", "ghost", "angel", "star", "cherry", "honey", "dusk"}

// username invents a platform username from a name (or from words, as many people choose).
func username(r *rand.Rand, first, last string, birthYear int) string {
	f, l := slug(first), slug(last)
	if f == "" {
		f = "user"
	}
	if l == "" {
		l = "x"
	}
	switch r.IntN(6) {
	case 0:
		return f + "_" + l
	case 1:
		return f + "." + l + twoDigits(birthYear%100)
	case 2:
		return f[:1] + l + itoa(between(r, 1, 99))
	case 3:
		return pick(r, usernameWords) + "_" + f + itoa(between(r, 1, 99))
	case 4:
		return f + "_" + pick(r, usernameWords)
	default:
		return pick(r, usernameWords) + "." + pick(r, usernameWords) + itoa(between(r, 10, 999))
	}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}
