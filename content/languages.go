package content

// ServiceLanguage is a language the service speaks: the pages, their interface
// strings and the web client.
type ServiceLanguage struct {
	Code string // ISO 639-1
	Name string // the language's name in itself, as the language switch shows it
	RTL  bool   // written right to left: the page gets dir="rtl"
}

// ServiceLanguages are the languages of the service in the order of the
// language switch. The first is the default and the source the others are
// translated from; English, the second, is what every other language falls
// back to where it lacks a page or a text. A language listed here has
// pages at /info/<code>/ even before its files exist: they show the
// English pages until content/defaults/<code>/ or the operator's content
// directory provides its own. The web client lists the same languages in
// webclient/src/i18n.ts. An operator may add more (added.go); Site.Languages
// lists them all.
var ServiceLanguages = []ServiceLanguage{
	{"de", "Deutsch", false},
	{"en", "English", false},
	{"fr", "Français", false},
	{"es", "Español", false},
	{"ro", "Română", false},
	{"bg", "Български", false},
	{"uk", "Українська", false},
	{"ru", "Русский", false},
	{"ar", "العربية", true},
	{"zh", "中文", false},
	{"vi", "Tiếng Việt", false},
	{"th", "ไทย", false},
}

// Languages are the codes of ServiceLanguages, in their order.
var Languages = func() []string {
	out := make([]string, len(ServiceLanguages))
	for i, l := range ServiceLanguages {
		out[i] = l.Code
	}
	return out
}()

// language is lang's entry among the built-in and added languages.
func (src *sources) language(lang string) ServiceLanguage {
	return findLanguage(src.all(), lang)
}

// isRTL tells whether the built-in language lang is written right to left.
func isRTL(lang string) bool { return findLanguage(ServiceLanguages, lang).RTL }

func findLanguage(langs []ServiceLanguage, lang string) ServiceLanguage {
	for _, l := range langs {
		if l.Code == lang {
			return l
		}
	}
	return ServiceLanguage{}
}

// fallback is the language whose page or text stands in where lang has
// none: German for English, English for every other.
func fallback(lang string) string {
	if lang == "en" {
		return "de"
	}
	return "en"
}

// fallbacks is lang, then the languages that stand in for it, in order.
func fallbacks(lang string) []string {
	switch lang {
	case "de":
		return []string{"de", "en"}
	case "en":
		return []string{"en", "de"}
	}
	return []string{lang, "en", "de"}
}

// SelfName is the name of an ISO 639-1 code in that language itself, as a
// person who speaks it looks for it ("Français", "العربية"); the English
// name where no own name is recorded, "" for an unknown code.
func SelfName(code string) string {
	if n := endonyms[code]; n != "" {
		return n
	}
	l, _ := findLabel(isoLanguages, code)
	return l.EN
}

// endonyms are languages' names in themselves, for the languages a centre
// is likely to offer; the rest show their name in the page's language.
var endonyms = map[string]string{
	"af": "Afrikaans", "am": "አማርኛ", "ar": "العربية", "az": "Azərbaycan dili", "be": "Беларуская",
	"bg": "Български", "bn": "বাংলা", "bs": "Bosanski", "ca": "Català", "cs": "Čeština",
	"da": "Dansk", "de": "Deutsch", "el": "Ελληνικά", "en": "English", "es": "Español",
	"et": "Eesti", "fa": "فارسی", "ff": "Fulfulde", "fi": "Suomi", "fr": "Français",
	"ha": "Hausa", "he": "עברית", "hi": "हिन्दी", "hr": "Hrvatski", "hu": "Magyar",
	"hy": "Հայերեն", "id": "Bahasa Indonesia", "ig": "Igbo", "it": "Italiano", "ja": "日本語",
	"ka": "ქართული", "kk": "Қазақ тілі", "km": "ខ្មែរ", "ko": "한국어", "ku": "Kurdî",
	"ky": "Кыргызча", "lo": "ລາວ", "lt": "Lietuvių", "lv": "Latviešu", "mk": "Македонски",
	"mn": "Монгол", "ms": "Bahasa Melayu", "my": "မြန်မာ", "ne": "नेपाली", "nl": "Nederlands",
	"no": "Norsk", "pa": "ਪੰਜਾਬੀ", "pl": "Polski", "ps": "پښتو", "pt": "Português",
	"ro": "Română", "ru": "Русский", "rw": "Kinyarwanda", "sk": "Slovenčina", "sl": "Slovenščina",
	"so": "Soomaali", "sq": "Shqip", "sr": "Српски", "sv": "Svenska", "sw": "Kiswahili",
	"ta": "தமிழ்", "tg": "Тоҷикӣ", "th": "ไทย", "ti": "ትግርኛ", "tl": "Tagalog",
	"tr": "Türkçe", "uk": "Українська", "ur": "اردو", "uz": "Oʻzbekcha", "vi": "Tiếng Việt",
	"wo": "Wolof", "yo": "Yorùbá", "zh": "中文",
}

// isoLanguages are the ISO 639-1 codes with their names in German and
// English, for the languages a centre offers.
var isoLanguages = []Label{
	{"aa", "Afar", "Afar"},
	{"ab", "Abchasisch", "Abkhazian"},
	{"ae", "Avestisch", "Avestan"},
	{"af", "Afrikaans", "Afrikaans"},
	{"ak", "Akan", "Akan"},
	{"am", "Amharisch", "Amharic"},
	{"an", "Aragonesisch", "Aragonese"},
	{"ar", "Arabisch", "Arabic"},
	{"as", "Assamesisch", "Assamese"},
	{"av", "Awarisch", "Avaric"},
	{"ay", "Aymara", "Aymara"},
	{"az", "Aserbaidschanisch", "Azerbaijani"},
	{"ba", "Baschkirisch", "Bashkir"},
	{"be", "Belarussisch", "Belarusian"},
	{"bg", "Bulgarisch", "Bulgarian"},
	{"bi", "Bislama", "Bislama"},
	{"bm", "Bambara", "Bambara"},
	{"bn", "Bengalisch", "Bengali"},
	{"bo", "Tibetisch", "Tibetan"},
	{"br", "Bretonisch", "Breton"},
	{"bs", "Bosnisch", "Bosnian"},
	{"ca", "Katalanisch", "Catalan"},
	{"ce", "Tschetschenisch", "Chechen"},
	{"ch", "Chamorro", "Chamorro"},
	{"co", "Korsisch", "Corsican"},
	{"cr", "Cree", "Cree"},
	{"cs", "Tschechisch", "Czech"},
	{"cu", "Kirchenslawisch", "Church Slavonic"},
	{"cv", "Tschuwaschisch", "Chuvash"},
	{"cy", "Walisisch", "Welsh"},
	{"da", "Dänisch", "Danish"},
	{"de", "Deutsch", "German"},
	{"dv", "Dhivehi", "Dhivehi"},
	{"dz", "Dzongkha", "Dzongkha"},
	{"ee", "Ewe", "Ewe"},
	{"el", "Griechisch", "Greek"},
	{"en", "Englisch", "English"},
	{"eo", "Esperanto", "Esperanto"},
	{"es", "Spanisch", "Spanish"},
	{"et", "Estnisch", "Estonian"},
	{"eu", "Baskisch", "Basque"},
	{"fa", "Persisch (Farsi, Dari)", "Persian (Farsi, Dari)"},
	{"ff", "Fulfulde", "Fula"},
	{"fi", "Finnisch", "Finnish"},
	{"fj", "Fidschi", "Fijian"},
	{"fo", "Färöisch", "Faroese"},
	{"fr", "Französisch", "French"},
	{"fy", "Westfriesisch", "Western Frisian"},
	{"ga", "Irisch", "Irish"},
	{"gd", "Schottisch-Gälisch", "Scottish Gaelic"},
	{"gl", "Galicisch", "Galician"},
	{"gn", "Guaraní", "Guarani"},
	{"gu", "Gujarati", "Gujarati"},
	{"gv", "Manx", "Manx"},
	{"ha", "Hausa", "Hausa"},
	{"he", "Hebräisch", "Hebrew"},
	{"hi", "Hindi", "Hindi"},
	{"ho", "Hiri Motu", "Hiri Motu"},
	{"hr", "Kroatisch", "Croatian"},
	{"ht", "Haitianisch", "Haitian Creole"},
	{"hu", "Ungarisch", "Hungarian"},
	{"hy", "Armenisch", "Armenian"},
	{"hz", "Otjiherero", "Herero"},
	{"ia", "Interlingua", "Interlingua"},
	{"id", "Indonesisch", "Indonesian"},
	{"ie", "Interlingue", "Interlingue"},
	{"ig", "Igbo", "Igbo"},
	{"ii", "Yi", "Sichuan Yi"},
	{"ik", "Inupiaq", "Inupiaq"},
	{"io", "Ido", "Ido"},
	{"is", "Isländisch", "Icelandic"},
	{"it", "Italienisch", "Italian"},
	{"iu", "Inuktitut", "Inuktitut"},
	{"ja", "Japanisch", "Japanese"},
	{"jv", "Javanisch", "Javanese"},
	{"ka", "Georgisch", "Georgian"},
	{"kg", "Kikongo", "Kongo"},
	{"ki", "Kikuyu", "Kikuyu"},
	{"kj", "Kwanyama", "Kwanyama"},
	{"kk", "Kasachisch", "Kazakh"},
	{"kl", "Grönländisch", "Greenlandic"},
	{"km", "Khmer", "Khmer"},
	{"kn", "Kannada", "Kannada"},
	{"ko", "Koreanisch", "Korean"},
	{"kr", "Kanuri", "Kanuri"},
	{"ks", "Kaschmiri", "Kashmiri"},
	{"ku", "Kurdisch", "Kurdish"},
	{"kv", "Komi", "Komi"},
	{"kw", "Kornisch", "Cornish"},
	{"ky", "Kirgisisch", "Kyrgyz"},
	{"la", "Latein", "Latin"},
	{"lb", "Luxemburgisch", "Luxembourgish"},
	{"lg", "Luganda", "Ganda"},
	{"li", "Limburgisch", "Limburgish"},
	{"ln", "Lingala", "Lingala"},
	{"lo", "Laotisch", "Lao"},
	{"lt", "Litauisch", "Lithuanian"},
	{"lu", "Kiluba", "Luba-Katanga"},
	{"lv", "Lettisch", "Latvian"},
	{"mg", "Malagasy", "Malagasy"},
	{"mh", "Marshallesisch", "Marshallese"},
	{"mi", "Maori", "Māori"},
	{"mk", "Mazedonisch", "Macedonian"},
	{"ml", "Malayalam", "Malayalam"},
	{"mn", "Mongolisch", "Mongolian"},
	{"mr", "Marathi", "Marathi"},
	{"ms", "Malaiisch", "Malay"},
	{"mt", "Maltesisch", "Maltese"},
	{"my", "Birmanisch", "Burmese"},
	{"na", "Nauruisch", "Nauru"},
	{"nb", "Norwegisch (Bokmål)", "Norwegian Bokmål"},
	{"nd", "Nord-Ndebele", "North Ndebele"},
	{"ne", "Nepali", "Nepali"},
	{"ng", "Ndonga", "Ndonga"},
	{"nl", "Niederländisch", "Dutch"},
	{"nn", "Norwegisch (Nynorsk)", "Norwegian Nynorsk"},
	{"no", "Norwegisch", "Norwegian"},
	{"nr", "Süd-Ndebele", "South Ndebele"},
	{"nv", "Navajo", "Navajo"},
	{"ny", "Chichewa", "Chichewa"},
	{"oc", "Okzitanisch", "Occitan"},
	{"oj", "Ojibwe", "Ojibwe"},
	{"om", "Oromo", "Oromo"},
	{"or", "Oriya", "Odia"},
	{"os", "Ossetisch", "Ossetian"},
	{"pa", "Panjabi", "Punjabi"},
	{"pi", "Pali", "Pali"},
	{"pl", "Polnisch", "Polish"},
	{"ps", "Paschtu", "Pashto"},
	{"pt", "Portugiesisch", "Portuguese"},
	{"qu", "Quechua", "Quechua"},
	{"rm", "Rätoromanisch", "Romansh"},
	{"rn", "Kirundi", "Kirundi"},
	{"ro", "Rumänisch", "Romanian"},
	{"ru", "Russisch", "Russian"},
	{"rw", "Kinyarwanda", "Kinyarwanda"},
	{"sa", "Sanskrit", "Sanskrit"},
	{"sc", "Sardisch", "Sardinian"},
	{"sd", "Sindhi", "Sindhi"},
	{"se", "Nordsamisch", "Northern Sami"},
	{"sg", "Sango", "Sango"},
	{"si", "Singhalesisch", "Sinhala"},
	{"sk", "Slowakisch", "Slovak"},
	{"sl", "Slowenisch", "Slovenian"},
	{"sm", "Samoanisch", "Samoan"},
	{"sn", "Shona", "Shona"},
	{"so", "Somali", "Somali"},
	{"sq", "Albanisch", "Albanian"},
	{"sr", "Serbisch", "Serbian"},
	{"ss", "Siswati", "Swati"},
	{"st", "Sesotho", "Southern Sotho"},
	{"su", "Sundanesisch", "Sundanese"},
	{"sv", "Schwedisch", "Swedish"},
	{"sw", "Swahili", "Swahili"},
	{"ta", "Tamil", "Tamil"},
	{"te", "Telugu", "Telugu"},
	{"tg", "Tadschikisch", "Tajik"},
	{"th", "Thailändisch", "Thai"},
	{"ti", "Tigrinya", "Tigrinya"},
	{"tk", "Turkmenisch", "Turkmen"},
	{"tl", "Tagalog", "Tagalog"},
	{"tn", "Setswana", "Tswana"},
	{"to", "Tongaisch", "Tongan"},
	{"tr", "Türkisch", "Turkish"},
	{"ts", "Xitsonga", "Tsonga"},
	{"tt", "Tatarisch", "Tatar"},
	{"tw", "Twi", "Twi"},
	{"ty", "Tahitianisch", "Tahitian"},
	{"ug", "Uigurisch", "Uyghur"},
	{"uk", "Ukrainisch", "Ukrainian"},
	{"ur", "Urdu", "Urdu"},
	{"uz", "Usbekisch", "Uzbek"},
	{"ve", "Tshivenda", "Venda"},
	{"vi", "Vietnamesisch", "Vietnamese"},
	{"vo", "Volapük", "Volapük"},
	{"wa", "Wallonisch", "Walloon"},
	{"wo", "Wolof", "Wolof"},
	{"xh", "isiXhosa", "Xhosa"},
	{"yi", "Jiddisch", "Yiddish"},
	{"yo", "Yoruba", "Yoruba"},
	{"za", "Zhuang", "Zhuang"},
	{"zh", "Chinesisch", "Chinese"},
	{"zu", "isiZulu", "Zulu"},
}
