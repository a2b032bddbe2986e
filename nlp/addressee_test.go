package nlp

import "testing"

// Whoever a complaint is addressed to is never its subject.
func TestAddresseeIsNotTheSubject(t *testing.T) {
	a := testAnalyzer(t)
	tests := []struct {
		text, position, unit string
	}{
		{"尊敬的王市长您好：市文化广电和旅游局的工作人员办事拖拉，材料交了三个月没人理。", "工作人员", "市文化广电和旅游局"},
		{"厅长：您好！县人力资源和社会保障局窗口人员对群众大吼大叫。", "窗口人员", "县人力资源和社会保障局"},
		{"市长热线您好，我们村的村主任把救灾款分给了自己亲戚。", "村主任", ""},
		{"致县纪委：城关镇副镇长李某某上班时间打麻将。", "副镇长", "城关镇"},
		{"我想向书记反映，东湖街道办事处主任收了开发商的钱。", "主任", "东湖街道办事处"},
		{"市政府、市交警支队、市环保局：我们小区门口的检测站没有任何手续。", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			res, err := a.Analyze(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if res.Subject.Position != tt.position || tt.unit != "" && res.Subject.Unit != tt.unit {
				t.Errorf("subject %+v, want position %q unit %q", res.Subject, tt.position, tt.unit)
			}
			for _, s := range res.Subject.Also {
				if s.Position == "市长" || s.Position == "厅长" || s.Position == "书记" {
					t.Errorf("addressee listed as accused: %+v", s)
				}
			}
		})
	}
}

// Several accused: the most senior is the subject, the others are listed.
func TestSeveralAccused(t *testing.T) {
	a := testAnalyzer(t)
	res, err := a.Analyze("县交通局局长张某和科长李某收了包工头的回扣，副县长王某也知情还打招呼。")
	if err != nil {
		t.Fatal(err)
	}
	if res.Subject.Position != "副县长" || res.Subject.Rank != "county" {
		t.Errorf("subject %+v, want the 副县长 (county)", res.Subject)
	}
	got := map[string]bool{}
	for _, s := range res.Subject.Also {
		got[s.Position] = true
	}
	if !got["局长"] || !got["科长"] {
		t.Errorf("also %+v, want 局长 and 科长", res.Subject.Also)
	}
}

func TestPlainStaffRank(t *testing.T) {
	a := testAnalyzer(t)
	res, err := a.Analyze("县不动产登记中心的窗口人员故意刁难，让我跑了五趟。")
	if err != nil {
		t.Fatal(err)
	}
	if res.Subject.Rank != "staff" {
		t.Errorf("rank %q, want staff (一般干部): %+v", res.Subject.Rank, res.Subject)
	}
}

func TestUnitNamesStayWhole(t *testing.T) {
	a := testAnalyzer(t)
	for _, tt := range []struct{ text, unit string }{
		{"投诉L5县环保局。县环保局噪声测试数据造假。", "L5县环保局"},
		{"承蒙党和政府的好政策，县民政局的工作人员却把补贴扣了。", "县民政局"},
		{"柳塘村村民委员会今年每人收两百修路钱，不交就不给开证明。", "柳塘村村民委员会"},
		{"我在清源市不动产登记中心办抵押注销，窗口说五个工作日，一个多月了还没办好。", "清源市不动产登记中心"},
		{"云溪县住房和城乡建设局房地产科让我们自己去打官司，交房五年办不了证。", "云溪县住房和城乡建设局房地产科"},
		{"县政府办公室的工作人员把我的材料弄丢了。", "县政府办公室"},
	} {
		res, err := a.Analyze(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if res.Subject.Unit != tt.unit {
			t.Errorf("%s: unit %q, want %q", tt.text, res.Subject.Unit, tt.unit)
		}
	}
}
