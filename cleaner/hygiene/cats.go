package hygiene

// Category indices: position in vocabCategories(), so bit i of a term's
// mask is category i (TestCategoryIndices checks the two agree).
const (
	cPorn = iota
	cPornWeak
	cStream
	cGambling
	cGamblingWeak
	cGamblingBrand
	cGamblingBrandWeak
	cLottery
	cLotteryWeak
	cBonus
	cBonusWeak
	cAction
	cActionStrong
	cGuard
	cNewsContext
	cContact
	cSpamTLD
	cPlaceholder
	cOutlet
	cAppPromo
	cAppAction
	cQR
	cQRAction
	cShareBar
	cCopyright
	cRelated
	cKeywordLabel
	cEditor
	cByline
	cEndMark
	cBreadcrumbHead
	cBrandHead
	cBrandAction
	cHeadAction
	cBrandTail
	cPromo
	cPromoWeak
	cBrandLead
	cNameStop
	numCats
)

// bit returns the mask bit of category index i.
func bit(i int) uint64 { return 1 << i }

// Masks of category groups the rules test often.
const (
	mScored = 1<<cPorn | 1<<cPornWeak | 1<<cStream | 1<<cGambling | 1<<cGamblingWeak | 1<<cGamblingBrand |
		1<<cGamblingBrandWeak | 1<<cLottery | 1<<cLotteryWeak | 1<<cBonus | 1<<cBonusWeak
	mAnyAction = 1<<cAction | 1<<cActionStrong | 1<<cBrandAction | 1<<cHeadAction
	// the spam terms a keyword line lists (keywordLineSignal)
	mKeywordLineSpam = 1<<cPorn | 1<<cPornWeak | 1<<cGambling | 1<<cGamblingWeak | 1<<cGamblingBrand | 1<<cLottery
)

// is reports whether the hit's term belongs to category index i.
func (h hit) is(i int) bool { return h.mask&(1<<i) != 0 }

// termIndex locates each category's terms in lineInfo.termList.
type termIndex struct {
	start, n [numCats]uint16
}

// cat returns the distinct terms of category index i in the line, in
// order of their first hit (nil if none).
func (li *lineInfo) cat(i int) []string {
	if li.terms == nil || li.terms.n[i] == 0 {
		return nil
	}
	s, e := li.terms.start[i], li.terms.start[i]+li.terms.n[i]
	return li.termList[s:e:e]
}

// has reports whether the line has a term of category index i.
func (li *lineInfo) has(i int) bool { return li.mask&(1<<i) != 0 }
