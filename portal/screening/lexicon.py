"""Weighted patterns for the kinds of web spam that hit Chinese public forms.

Patterns run on the matching form (letters and digits only, Simplified, lower case). Weights are
chosen so that one ordinary word (免费, 在线观看, 精品, a phone number) never holds a submission:
only strong terms or several terms together reach the hold threshold of 1.0. A resident
*reporting* spam ("有人发色情小广告") uses the weak terms, not the vocabulary of the adverts.
"""
import functools
import re

import re2

from portal.screening.normalize import letter_form

# (kind, weight, pattern)
PATTERNS = [
    # pornography
    ("porn", 0.9, r"无码|有码|一区二区|二区三区|亚洲色图|色综合|伦理片|裸聊|偷拍|自拍偷拍"),
    ("porn", 0.9, r"(?:av|a片|成人|黄色|色情)(?:影院|电影|视频|网站|网|在线|资源|小说)"),
    ("porn", 0.7, r"久久(?:精品|热|爱|综合|视频)|国产精品|"
                  r"(?:国产|日韩|欧美|亚洲|日本)(?:精品|自拍|无码|av)"),
    ("porn", 0.4, r"午夜(?:福利|影院)|激情(?:小说|视频)|美女直播|私密视频|免费看片"),
    ("porn", 0.3, r"不卡|高清视频|一对一"),
    ("porn", 1.0, r"porn|xxx|adultcams|sexmovies|sexvideos|nudes|anal(?:xxx|sex)"),
    ("porn", 0.4, r"hotsingles|adultdating|sexygirls|camgirls|livesex|hotgirls"),
    # pornography in pinyin (site names are romanised so that Chinese filters miss them)
    ("porn", 0.9, r"(?:wuma|youma)(?:shipin|zaixian|gaoqing|yiqu|dianying|ziyuan|av)|yiquerqu|"
                  r"erqusanqu|yazhousetu|sezonghe|lunlipian|luoliao|zipaitoupai|guochanjingpin|"
                  r"(?:chengren|huangse|seqing)(?:dianying|yingyuan|shipin|wangzhan|wang|xiaoshuo|"
                  r"zaixian|ziyuan)|av(?:yingyuan|dianying|zaixian|wangzhan|shipin|ziyuan)|"
                  r"(?:riben|rihan|oumei|yazhou|guochan)(?:wuma|zipai|toupai|jingpin)"),
    ("porn", 0.6, r"(?:tiantian|jiujiu|sese|lulu|yeye|riri|caocao|haose)(?:av|se|lu|re|jingpin|"
                  r"yingyuan)|jiujiure|toupai|zipai"),
    ("porn", 0.4, r"wuma"),  # also "Ms Wu may..." once spaces are gone
    ("porn", 0.3, r"yingyuan|mianfeikan|zaixianguankan|gaoqing|jingpin"),
    # gambling and lotteries
    ("gambling", 0.9, r"新葡京|百家乐|时时彩|北京赛车|pk10|六合彩|特码|真人荷官|皇冠体育|网上赌场|"
                      r"澳门赌场"),
    ("gambling", 0.6, r"(?:线上|网上|在线)(?:娱乐|赌博|投注)|彩金|上分下分|回血上岸|稳赚不赔|"
                      r"注册(?:就)?送"),
    ("gambling", 0.4, r"投注|赌球|赌马|开户|带单|计划群|彩票平台|提款"),
    ("gambling", 0.9, r"casino|freespins|slots|jackpot|sportsbetting|fixedmatches"),
    # 儿童娱乐城 is a children's play centre, and residents report 老虎机 and 博彩 they see
    ("gambling", 0.6, r"菠菜平台|博彩|电子游艺|体育博彩|运彩(?:投注|代购|报牌)"),
    ("gambling", 0.4, r"棋牌(?:游戏|平台)|捕鱼(?:游戏|平台)|首充|返水|充值送|运彩|娱乐城|老虎机"),
    ("gambling", 0.9, r"baijiale|xinpujing|aomenduchang|zhenrenheguan|shishicai|liuhecai|"
                      r"bocai|yulecheng|baccarat|onlinegambling|roulette(?:online|bonus)"),
    ("gambling", 0.3, r"bonus|poker|betting|duchang|sportsbook|blackjack"),
    # fake certificates and invoices
    ("fake_documents", 0.9, r"代开发票|(?:办理|办|制作)(?:各类|假)?证件|办假证|专业办证|刻章|"
                            r"学信网可查|一比一制作"),
    ("fake_documents", 0.6, r"(?:毕业证|学位证|驾驶证|身份证|结婚证|房产证|健康证)(?:.{0,6})"
                            r"(?:办理|可查|制作|出售)|无需体检|包过"),
    ("fake_documents", 0.4, r"增值税专用发票|普通发票|点数低|可验证"),
    ("fake_documents", 0.9, r"fakediploma|fakepassport|novelty(?:documents|id)|verifieduniversity|"
                            r"fakedegree"),
    # loans
    ("loans", 0.8, r"无抵押|无担保|黑户|不看征信|不查负债|秒批|当天(?:到账|下款)|逾期不催收|"
                   r"信用卡套现|包下卡"),
    ("loans", 0.4, r"(?:网贷|口子|学生贷|小额贷款|急用钱|放款|下款|提额|代还)"),
    ("loans", 0.9, r"paydayloan|nocreditcheck|badcreditok|guaranteedapproval|cheaploans|fastcash"),
    ("loans", 0.8, r"免联征|免照会|不查征信|黑白户|征信花|秒下款|当日拨款"),
    # investment and wealth solicitation: promised returns are the tell, not money words
    ("investment", 0.9, r"稳赚|保本保息|保本高息|保证获利|保证收益|保底收益|"
                        r"零风险(?:投资|理财|高收益)|"
                        r"无风险(?:投资|理财|收益)|躺赚|稳定收益|收益翻倍|翻倍收益|高额回报|"
                        r"老师带单|带你(?:炒股|赚钱|理财|投资|翻身)|荐股|飙股|牛股|资金盘|原始股|"
                        r"(?:日|周|月|年化?)(?:收益|回报)(?:率)?(?:百分之|\d)"),
    ("investment", 0.5, r"投资理财|理财(?:项目|平台|产品)|高收益|高回报|投顾|炒股群|股票群|"
                        r"虚拟币|数字货币|区块链项目|外汇(?:平台|交易)|期货喊单|喊单|挖矿"),
    ("investment", 0.4, r"内部消息|零风险"),
    ("investment", 0.9, r"guaranteed(?:returns?|profits?|income)|guaranteed\d+(?:percent)?(?:daily|"
                        r"weekly|monthly|returns?|profits?)|riskfree(?:investment|returns?|profits?|"
                        r"income)|doubleyourmoney|highyieldinvestment|"
                        r"\d+(?:percent)?(?:daily|weekly|monthly)returns?|(?:forex|crypto|trading|"
                        r"vip)signals|binaryoptions|profiteveryweek|guaranteesprofit"),
    ("investment", 0.4, r"investmentopportunity|investmentplan|managedfund|tradingmentor|"
                        r"withdrawanytime|cryptofund|financialfreedom|zerorisk"),
    ("investment", 0.9, r"wenzhuan|baobenbaoxi|baobengaoxi|touzilicai|licaipingtai"),
    # escort services
    ("escort", 0.9, r"外围|上门服务|包夜|一夜情|莞式|全套服务|学生妹|兼职妹妹"),
    ("escort", 0.4, r"同城约会|桑拿按摩"),
    ("escort", 0.9, r"escortservice|outcall|incall"),
    # drugs and pharmacy
    ("drugs", 1.0, r"冰毒|麻古|k粉|迷药|催情药|听话水|大麻出售|出售大麻"),
    ("drugs", 0.7, r"伟哥|壮阳|不用处方|代孕|包男孩"),
    ("drugs", 0.9, r"viagra|cialis|tramadol|oxycodone|noprescription|withoutprescription|buyweed|"
                   r"cocaine|mdma"),
    # diet pills and other health products sold with impossible promises
    ("health", 0.9, r"燃脂(?:胶囊|片|锭|药|茶)|排油丸|酵素(?:减肥|瘦身)|左旋肉碱|"
                    r"(?:月|周|天)瘦(?:\d|[一二三四五六七八九十两几])|"
                    r"瘦(?:\d+|[一二三四五六七八九十两几]+)(?:斤|公斤|kg)|掉秤|躺着(?:也能|就能)?瘦|爆瘦|"
                    r"包治百病|祖传秘方|药到病除|(?:专治|根治)(?:糖尿病|高血压|癌|痛风|牛皮癣|乙肝|"
                    r"鼻炎|失眠|前列腺)|增高(?:药|神器)|丰胸"),
    # product names: a resident reporting the flyer names them too, so they weigh less
    ("health", 0.6, r"减肥(?:药|茶|胶囊|产品|神器)|瘦身(?:药|茶|胶囊|产品|神器|咖啡)"),
    ("health", 0.4, r"不反弹|不复胖|无效(?:全额)?退款|(?:\d+|[一二三两几]+)(?:天|周|盒|个疗程)见效|"
                    r"(?:当天|立刻|马上)见效|不节食|纯植物|纯中药|无副作用|保健品|特效药|神药"),
    ("health", 0.2, r"减肥|瘦身|燃脂|纤体|排毒"),
    ("health", 0.9, r"melt\d+(?:kg|lbs|pounds)|burn(?:belly)?fatfast|miracle(?:herbal)?cure|"
                    r"cures?(?:diabetes|cancer)|reverses?diabetes|doctorshate|garciniacambogia"),
    ("health", 0.6, r"dietpills?|slimming(?:pills?|capsules?|tea)|fatburn(?:er|ing)pills?|"
                    r"ketopills|"
                    r"(?:keto|diet)capsules?|detoxtea|appetitesuppressant"),
    ("health", 0.4, r"slimming|fatburner|withoutexercise|moneybackguarantee|loseweightfast|"
                    r"herbalcure|supplements"),
    ("health", 0.9, r"jianfeiyao|jianfeicha|shoushen(?:yao|cha|jiaonang)|bufantan|zuchuanmifang"),
    ("health", 0.5, r"jianfei|shoushen|yigeyueshou|ranzhi|zhuanzhi|genzhi"),
    # paid click-farming and fake reviews
    ("click_farming", 0.8, r"刷单|刷量|刷好评|刷销量|刷信誉|刷礼物|刷人气|一单一结|每单返佣"),
    ("click_farming", 0.4, r"日结|日赚|手机(?:就能做|兼职|操作)|宝妈|打字员|无需押金|佣金高"),
    ("click_farming", 0.8, r"buyinstagramfollowers|buyfollowers|fakereviews|clickfarm|"
                           r"fivestarreviews|forcash"),
    ("click_farming", 0.5, r"earn\d+|makemoneyonline|workingfromhome|passiveincome|getrichquick|"
                           r"doubleyourbitcoin"),
    # selling personal data
    ("data_selling", 0.9, r"出售(?:公民)?个人信息|开房记录|银行卡四件套|精准(?:客户)?数据|车主信息|"
                          r"业主电话|查通话记录|查手机定位"),
    ("data_selling", 0.5, r"出售(?:微信号|qq号|手机卡|实名)|企业名录|打包出售|批量"),
    ("data_selling", 0.9, r"emaillistforsale|verifiedleads|buycustomerdata|personalinfobulk|"
                          r"sellingaccounts"),
    # SEO and link selling
    ("seo", 0.9, r"快速排名|包收录|出售外链|代发外链|购买外链|蜘蛛池|友情链接交换|权重站|高权重"),
    # "seo" alone is inside "please open" and "house owner" once spaces are gone
    ("seo", 0.4, r"关键词排名|上首页|友情链接|网站优化|"
                 r"seo(?:services?|ranking|optimi[sz]ation|优化|"
                 r"排名|外链|收录|推广)|(?:百度|谷歌|google)seo"),
    ("seo", 0.9, r"backlinks|pbnlinks|firstpagegoogle|guaranteed(?:first)?page"),
    # pirated streaming: free films, "VIP" video for nothing, IPTV and cracked TV boxes
    # (IPTV itself is a telecom's ordinary product, so only its resale weighs much)
    ("streaming", 0.9, r"全网(?:vip)?(?:影视|电影|视频|追剧)|vip(?:影视|视频|会员)(?:免费|解析)|"
                       r"影视会员(?:免费|低价)|院线(?:新片|大片)|(?:电影|影视)资源|抢先版|枪版|"
                       r"(?:电视|机顶|机上|网络)盒子?(?:破解|刷机)|破解(?:版|盒子|电视|直播)|"
                       r"直播源|安博盒子|\d+(?:个)?(?:频道|台)免费|上千频道|万部(?:影片|电影)"),
    ("streaming", 0.6, r"免费(?:在线|线上)看|线上看|追剧不用钱|免费追剧|不用充会员|"
                       r"(?:电影|影片|电视剧|美剧|韩剧)(?:在线看|线上看)"),
    ("streaming", 0.3, r"(?:最新|热门)(?:电影|大片|美剧|韩剧|电视剧|影片)|(?:电影|影片|大片)免费|"
                       r"iptv"),
    ("streaming", 0.9, r"(?:movies?|films?)(?:free)?online(?:forfree|free)|"
                       r"(?:movies?|films?)freeonline|"
                       r"freemovies(?:online|streaming|download)|hdmovies(?:online|download)|"
                       r"freestreaming|\d+livechannels|livetvchannels|freeiptv|iptvsubscription|"
                       r"123movies|putlocker|fmovies|solarmovie|gomovies|crackedapk|freenetflix"),
    # "watch movies free in the park" is an outdoor cinema, so these weigh less
    ("streaming", 0.5, r"watch(?:the)?(?:latest|new)?(?:movies?|films?)(?:online|free|forfree)|"
                       r"stream(?:every|all)?(?:new)?(?:movies?|films?)free|streamingnow|"
                       r"nosubscription(?:needed|required)"),
    ("streaming", 0.6, r"stream[a-z]{0,25}?(?:movies?|films?)|"
                       r"(?:movies?|films?)[a-z]{0,10}?streaming|"
                       r"streamingsite|moviesite|watch(?:full|thousandsof|all)(?:hd)?(?:movies?|films?)|"
                       r"thousandsof(?:hd)?(?:movies|films)"),
    ("streaming", 0.4, r"noads|nosign(?:up|in)|noregistration|noaccountneeded|1080p|4kuhd|inhd|"
                       r"hollywood(?:movies|films|blockbusters)|newesthollywood"),
    ("streaming", 0.3, r"fullhd|newreleases|blockbusters|unlimitedstreaming|clicktowatch"),
    ("streaming", 0.9, r"mianfeikandianying|dianyingmianfei|yingshiziyuan|quanwangyingshi"),
    # generic advert vocabulary: weak alone
    ("advert", 0.2, r"免费(?:看|观看|领取|送)|在线观看|点击(?:进入|链接)|戳链接|马上领|clickhere|"
                    r"signupnow|ordernow|claimyour(?:prize|free)"),
    ("advert", 0.3, r"高仿|replica|一比一|工厂直销|wholesale|查重|代写论文|buyessay|考试答案|"
                    r"hackanyaccount"),
    ("advert", 0.4, r"枪支|仿真枪|气枪|弓弩|私人侦探"),
    ("advert", 0.3, r"包邮|特价|批发|货到付款|便宜卖|低价出售|正品保证|欢迎选购|招代理|代理招募"),
    ("advert", 0.1, r"免费|精品|cheap|free"),
    ("advert", 0.6, r"youwon|claimyour|lotterywinner|bankdetails|miraclediet|weightlosspills|"
                    r"lose\d+kg"),
    ("advert", 0.4, r"forsale|louisvuitton|gucci|rolex|limitedspots|guaranteedprofit|bitcoin|"
                    r"crypto"),
    ("advert", 0.3, r"tonight|inyourarea|waitingforyou|noexperienceneeded|perweek|"
                    r"passwordrecovery"),
]
COMPILED = [(kind, weight, re.compile(pattern)) for kind, weight, pattern in PATTERNS]
KIND_CAP = 2.0  # one kind can add at most this much


@functools.cache
def _candidates():
    """An RE2 set of every pattern: one pass over a text says which patterns match it, so only
    those run (a genuine text matches none, and a scan per pattern costs about a hundred times
    more).

    Python's `\\d` is any Unicode decimal digit; RE2's is ASCII only, so it becomes \\p{Nd}. The
    set decides nothing alone: the patterns it names are run as they are."""
    matcher = re2.Set.SearchSet(re2.Options())
    for _kind, _weight, pattern in PATTERNS:
        matcher.Add(pattern.replace("\\d", "\\p{Nd}"))
    matcher.Compile()
    return matcher


def lexicon_hits(form: str) -> dict:
    """Kind -> summed weight of the patterns that match (capped per kind).

    A pattern that matches two or more different terms counts one and a half times. Patterns
    see the matching form and, where it differs, its letter form ("p0rn" read as "porn").
    """
    letters = letter_form(form)
    if letters != form:
        form = f"{form}\n{letters}"  # no pattern spans the line break
    hits = {}
    for index in sorted(_candidates().Match(form) or ()):
        kind, weight, pattern = COMPILED[index]
        terms = set(pattern.findall(form))
        if terms:
            points = weight * (1.5 if len(terms) > 1 else 1.0)
            hits[kind] = min(KIND_CAP, hits.get(kind, 0.0) + points)
    return hits


# Contact bait: the advert wants the reader to move to a private channel.
CONTACT_BAIT = [
    (0.5, re.compile(r"加(?:v|微|威|薇|wx|vx)|加(?:q|扣)\d{5,}")),
    (0.5, re.compile(r"(?:微信|v信|vx|wx|weixin|wechat)(?:号|id)?[a-z][a-z0-9_-]{4,19}")),
    (0.5, re.compile(r"(?:qq|扣扣)(?:号|群)?\d{5,11}|群号\d{5,}")),
    (0.5, re.compile(r"telegram|whatsapp")),
    (0.2, re.compile(r"私聊|私信|详聊|联系客服|addmywechat|dmme")),
]


def contact_bait(form: str) -> float:
    """Weight of the contact-bait patterns in the matching form (capped at 0.8)."""
    return min(0.8, sum(weight for weight, pattern in CONTACT_BAIT if pattern.search(form)))
