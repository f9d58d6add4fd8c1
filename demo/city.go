package demo

import (
	"fmt"
	"math/rand/v2"
)

// placeKind is what a landmark is, in the API's words.
type placeKind string

const (
	examSite      placeKind = "exam_site"
	hospital      placeKind = "hospital"
	station       placeKind = "station"
	serviceCentre placeKind = "service_centre"
	community     placeKind = "community"
)

// Place is a landmark of the city.
type Place struct {
	ID      string    `json:"id,omitempty"` // the server's id; empty when places are not served
	Name    string    `json:"name"`
	Kind    placeKind `json:"kind"`
	Lat     float64   `json:"lat"`
	Lng     float64   `json:"lng"`
	Address string    `json:"address"`
	// Hours and Services, for a driver station: when it is open and what
	// it offers (see driverStation).
	Hours    *weekly  `json:"hours,omitempty"`
	Services []string `json:"services,omitempty"`
}

// weekly is opening hours as the API takes them: one slot every day.
type weekly struct {
	Weekly []slot `json:"weekly"`
}

type slot struct {
	Days []string `json:"days"`
	From string   `json:"from"`
	To   string   `json:"to"`
}

func (p Place) point() point { return point{p.Lat, p.Lng} }

// landmark places a landmark east and north km of the city centre.
func landmark(name string, kind placeKind, east, north float64, address string) Place {
	at := centre.offset(east, north)
	return Place{Name: name, Kind: kind, Lat: round6(at.Lat), Lng: round6(at.Lng), Address: address}
}

// driverStation is a 连心驿站: open 06:00–22:00 every day, with rest,
// water and a toilet, and what else it offers.
func driverStation(name string, east, north float64, address string, more ...string) Place {
	p := landmark(name, station, east, north, address)
	p.Hours = &weekly{Weekly: []slot{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, From: "06:00", To: "22:00"}}}
	p.Services = append([]string{"rest", "water", "toilet"}, more...)
	return p
}

func round6(x float64) float64 { return float64(int64(x*1e6+0.5)) / 1e6 }

// landmarks is the city. Names are illustrative and positions plausible,
// not surveyed: the Xin River runs east–west just south of the centre,
// the old town north of it, the new districts east and south.
var landmarks = []Place{
	landmark("鹰潭一中 Yingtan No.1 Middle School", examSite, -0.8, 0.6, "胜利西路 Shengli W Rd"),
	landmark("鹰潭二中 Yingtan No.2 Middle School", examSite, 1.4, 1.5, "沿江北路 Yanjiang N Rd"),
	landmark("鹰潭三中 Yingtan No.3 Middle School", examSite, -2.2, -0.4, "站前路 Zhanqian Rd"),
	landmark("鹰潭市实验中学 Yingtan Experimental School", examSite, 2.6, -1.2, "梅园大道 Meiyuan Ave"),
	landmark("鹰潭市第六中学 Yingtan No.6 Middle School", examSite, -1.1, 2.7, "环城北路 Huancheng N Rd"),
	landmark("鹰潭市第八中学 Yingtan No.8 Middle School", examSite, 3.7, 1.9, "龙虎山大道 Longhushan Ave"),
	landmark("田家炳中学 Tin Ka Ping Middle School", examSite, 0.3, -2.6, "白露大道 Bailu Ave"),
	landmark("鹰潭职业技术学院 Yingtan Vocational College", examSite, 4.4, -2.9, "天洁路 Tianjie Rd"),

	landmark("鹰潭市人民医院 Yingtan People's Hospital", hospital, 0.2, 0.9, "胜利东路 Shengli E Rd"),
	landmark("鹰潭市中医院 Yingtan Hospital of Chinese Medicine", hospital, -1.6, 1.3, "交通路 Jiaotong Rd"),
	landmark("鹰潭一八四医院 Yingtan 184 Hospital", hospital, 2.1, 0.2, "林荫路 Linyin Rd"),
	landmark("鹰潭市妇幼保健院 Yingtan Maternal and Child Hospital", hospital, 1.0, -1.7, "湖西路 Huxi Rd"),

	landmark("新连心车队服务中心 New Heart-Link Drivers' Service Centre", serviceCentre, 0.5, 0.2, "梅园大道 Meiyuan Ave"),
	landmark("鹰潭北站 Yingtan North Railway Station", station, 5.2, 3.6, "高铁北站广场 North Station Sq"),
	landmark("鹰潭站 Yingtan Railway Station", station, -3.0, -0.9, "站前广场 Station Sq"),

	driverStation("连心驿站·胜利路 Driver Station Shengli Rd", -0.3, 0.5, "胜利路 Shengli Rd", "charging", "food"),
	driverStation("连心驿站·沿江路 Driver Station Yanjiang Rd", 0.9, -0.3, "沿江路 Yanjiang Rd"),
	driverStation("连心驿站·交通路 Driver Station Jiaotong Rd", -1.9, 0.8, "交通路 Jiaotong Rd"),
	driverStation("连心驿站·梅园 Driver Station Meiyuan", 2.2, -0.8, "梅园大道 Meiyuan Ave", "charging"),
	driverStation("连心驿站·白露 Driver Station Bailu", -0.2, -2.2, "白露大道 Bailu Ave"),
	driverStation("连心驿站·龙虎山大道 Driver Station Longhushan Ave", 3.3, 1.1, "龙虎山大道 Longhushan Ave", "charging", "food"),
	driverStation("连心驿站·环城北路 Driver Station Huancheng N Rd", -0.7, 2.3, "环城北路 Huancheng N Rd"),
	driverStation("连心驿站·站前路 Driver Station Zhanqian Rd", -2.7, -0.2, "站前路 Zhanqian Rd"),
	driverStation("连心驿站·天洁路 Driver Station Tianjie Rd", 3.9, -2.2, "天洁路 Tianjie Rd"),
	driverStation("连心驿站·湖西路 Driver Station Huxi Rd", 1.4, -1.4, "湖西路 Huxi Rd"),

	landmark("信江社区 Xinjiang Community", community, -0.4, -0.7, "信江路 Xinjiang Rd"),
	landmark("梅园社区 Meiyuan Community", community, 1.9, -0.4, "梅园大道 Meiyuan Ave"),
	landmark("白露社区 Bailu Community", community, -0.9, -1.9, "白露大道 Bailu Ave"),
	landmark("交通社区 Jiaotong Community", community, -2.3, 1.6, "交通路 Jiaotong Rd"),
	landmark("东湖社区 Donghu Community", community, 2.8, 2.4, "东湖路 Donghu Rd"),
	landmark("站江社区 Zhanjiang Community", community, -3.4, 0.3, "站江路 Zhanjiang Rd"),
}

// schoolNames name the schools that book exam escorts for their students;
// the first is kept for a person to try the requester page with.
var schoolNames = []string{
	"鹰潭一中 Yingtan No.1 Middle School",
	"鹰潭二中 Yingtan No.2 Middle School",
	"鹰潭三中 Yingtan No.3 Middle School",
	"鹰潭市实验中学 Yingtan Experimental School",
	"鹰潭市第六中学 Yingtan No.6 Middle School",
	"鹰潭市第八中学 Yingtan No.8 Middle School",
	"田家炳中学 Tin Ka Ping Middle School",
	"鹰潭市第十一中学 Yingtan No.11 Middle School",
	"月湖区第一中学 Yuehu No.1 Middle School",
	"鹰潭市外国语学校 Yingtan Foreign Languages School",
}

// schoolName is the i-th school, numbered past the list's end.
func schoolName(i int) string {
	if i < len(schoolNames) {
		return schoolNames[i]
	}
	return fmt.Sprintf("鹰潭第%d学校 Yingtan School No.%d", i+1, i+1)
}

var surnames = []struct{ han, pinyin string }{
	{"王", "Wang"}, {"李", "Li"}, {"张", "Zhang"}, {"刘", "Liu"}, {"陈", "Chen"}, {"杨", "Yang"},
	{"黄", "Huang"}, {"赵", "Zhao"}, {"吴", "Wu"}, {"周", "Zhou"}, {"徐", "Xu"}, {"孙", "Sun"},
	{"胡", "Hu"}, {"朱", "Zhu"}, {"高", "Gao"}, {"林", "Lin"}, {"何", "He"}, {"郭", "Guo"},
	{"罗", "Luo"}, {"邓", "Deng"}, {"余", "Yu"}, {"程", "Cheng"}, {"桂", "Gui"}, {"饶", "Rao"},
}

var givenNames = []struct{ han, pinyin string }{
	{"伟", "Wei"}, {"芳", "Fang"}, {"军", "Jun"}, {"敏", "Min"}, {"强", "Qiang"}, {"磊", "Lei"},
	{"洋", "Yang"}, {"勇", "Yong"}, {"静", "Jing"}, {"杰", "Jie"}, {"建华", "Jianhua"}, {"国平", "Guoping"},
	{"晓燕", "Xiaoyan"}, {"志刚", "Zhigang"}, {"海涛", "Haitao"}, {"丽华", "Lihua"}, {"明", "Ming"}, {"红", "Hong"},
	{"春生", "Chunsheng"}, {"文斌", "Wenbin"}, {"小龙", "Xiaolong"}, {"佳怡", "Jiayi"}, {"子涵", "Zihan"}, {"浩然", "Haoran"},
}

// personName draws a name written both ways, e.g. "王伟 Wang Wei".
func personName(rng *rand.Rand) string {
	s := surnames[rng.IntN(len(surnames))]
	g := givenNames[rng.IntN(len(givenNames))]
	return s.han + g.han + " " + s.pinyin + " " + g.pinyin
}

// mobile draws a mainland mobile number.
func mobile(rng *rand.Rand) string {
	prefixes := []string{"138", "139", "135", "136", "158", "187", "189", "177"}
	return fmt.Sprintf("%s%08d", prefixes[rng.IntN(len(prefixes))], rng.IntN(100_000_000))
}

// plate draws a Yingtan number plate (赣L is the city's prefix).
func plate(rng *rand.Rand) string {
	const chars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	b := []byte{}
	for range 5 {
		b = append(b, chars[rng.IntN(len(chars))])
	}
	return "赣L" + string(b)
}

// City is what Seed registered: the landmarks, and the accounts the
// simulation plays.
type City struct {
	Places     []Place // every landmark, with its server id when places are served
	Drivers    []*DriverAccount
	Requesters []*RequesterAccount
	Campaign   *Campaign // nil if it could not be created
}

// DriverAccount is a registered volunteer.
type DriverAccount struct {
	ID             string
	Token          string
	Name           string
	Home           point
	Seats          int
	Wheelchair     bool
	VerifiedMinors bool
}

// RequesterAccount is a registered school, community or care station.
type RequesterAccount struct {
	ID    string
	Token string
	Name  string
	Kind  string // school, community, care_station
}

// Campaign is the campaign Seed created, with its shifts.
type Campaign struct {
	ID     string
	Name   string
	Shifts []Shift
}

// Shift is one shift of the campaign.
type Shift struct {
	ID             string `json:"id"`
	Date           string `json:"date"`
	Start          string `json:"start"`
	VerifiedMinors bool   `json:"verified_minors"`
	CarsNeeded     int    `json:"cars_needed"`
}
