"""Weighted patterns for the kinds of web spam that hit Chinese public forms.

Patterns run on the matching form (letters and digits only, Simplified, lower case). Weights are
chosen so that one ordinary word (免费, 在线观看, 精品, a phone number) never holds a submission:
only strong terms or several terms together reach the hold threshold of 1.0. A resident
*reporting* spam ("有人发色情小广告") uses the weak terms, not the vocabulary of the adverts.
"""
import re

# (kind, weight, pattern)
PATTERNS = [
    # pornography
    ("porn", 0.9, r"无码|有码|一区二区|二区三区|亚洲色图|色综合|伦理片|裸聊|偷拍|自拍偷拍"),
    ("porn", 0.9, r"(?:av|a片|成人|黄色|色情)(?:影院|电影|视频|网站|网|在线|资源|小说)"),
    ("porn", 0.7, r"久久(?:精品|热|爱|综合|视频)|国产精品|(?:国产|日韩|欧美|亚洲|日本)(?:精品|自拍|无码|av)"),
    ("porn", 0.4, r"午夜(?:福利|影院)|激情(?:小说|视频)|美女直播|私密视频|免费看片"),
    ("porn", 0.3, r"不卡|高清视频|一对一"),
    ("porn", 1.0, r"porn|xxx|adultcams|sexmovies|sexvideos|nudes|anal(?:xxx|sex)"),
    ("porn", 0.4, r"hotsingles|adultdating|sexygirls"),
    # gambling and lotteries
    ("gambling", 0.9, r"新葡京|百家乐|时时彩|北京赛车|pk10|六合彩|特码|真人荷官|皇冠体育|网上赌场|澳门赌场"),
    ("gambling", 0.6, r"(?:线上|网上|在线)(?:娱乐|赌博|投注)|彩金|上分下分|回血上岸|稳赚不赔|注册(?:就)?送"),
    ("gambling", 0.4, r"投注|赌球|赌马|开户|带单|计划群|彩票平台|提款"),
    ("gambling", 0.9, r"casino|freespins|slots|jackpot|sportsbetting|fixedmatches"),
    ("gambling", 0.3, r"bonus|poker|betting"),
    # fake certificates and invoices
    ("fake_documents", 0.9, r"代开发票|(?:办理|办|制作)(?:各类|假)?证件|办假证|专业办证|刻章|学信网可查|一比一制作"),
    ("fake_documents", 0.6, r"(?:毕业证|学位证|驾驶证|身份证|结婚证|房产证|健康证)(?:.{0,6})(?:办理|可查|制作|出售)|无需体检|包过"),
    ("fake_documents", 0.4, r"增值税专用发票|普通发票|点数低|可验证"),
    ("fake_documents", 0.9, r"fakediploma|fakepassport|novelty(?:documents|id)|verifieduniversity|fakedegree"),
    # loans
    ("loans", 0.8, r"无抵押|无担保|黑户|不看征信|不查负债|秒批|当天(?:到账|下款)|逾期不催收|信用卡套现|包下卡"),
    ("loans", 0.4, r"(?:网贷|口子|学生贷|小额贷款|急用钱|放款|下款|提额|代还)"),
    ("loans", 0.9, r"paydayloan|nocreditcheck|badcreditok|guaranteedapproval|cheaploans|fastcash"),
    # escort services
    ("escort", 0.9, r"外围|上门服务|包夜|一夜情|莞式|全套服务|学生妹|兼职妹妹"),
    ("escort", 0.4, r"同城约会|桑拿按摩"),
    ("escort", 0.9, r"escortservice|outcall|incall"),
    # drugs and pharmacy
    ("drugs", 1.0, r"冰毒|麻古|k粉|迷药|催情药|听话水|大麻出售|出售大麻"),
    ("drugs", 0.7, r"伟哥|壮阳|不用处方|代孕|包男孩"),
    ("drugs", 0.9, r"viagra|cialis|tramadol|oxycodone|noprescription|withoutprescription|buyweed|cocaine|mdma"),
    # paid click-farming and fake reviews
    ("click_farming", 0.8, r"刷单|刷量|刷好评|刷销量|刷信誉|刷礼物|刷人气|一单一结|每单返佣"),
    ("click_farming", 0.4, r"日结|日赚|手机(?:就能做|兼职|操作)|宝妈|打字员|无需押金|佣金高"),
    ("click_farming", 0.8, r"buyinstagramfollowers|buyfollowers|fakereviews|clickfarm|fivestarreviews|forcash"),
    ("click_farming", 0.5, r"earn\d+|makemoneyonline|workingfromhome|passiveincome|getrichquick|doubleyourbitcoin"),
    # selling personal data
    ("data_selling", 0.9, r"出售(?:公民)?个人信息|开房记录|银行卡四件套|精准(?:客户)?数据|车主信息|业主电话|查通话记录|查手机定位"),
    ("data_selling", 0.5, r"出售(?:微信号|qq号|手机卡|实名)|企业名录|打包出售|批量"),
    ("data_selling", 0.9, r"emaillistforsale|verifiedleads|buycustomerdata|personalinfobulk|sellingaccounts"),
    # SEO and link selling
    ("seo", 0.9, r"快速排名|包收录|出售外链|代发外链|购买外链|蜘蛛池|友情链接交换|权重站|高权重"),
    ("seo", 0.4, r"关键词排名|上首页|友情链接|网站优化|seo"),
    ("seo", 0.9, r"backlinks|pbnlinks|firstpagegoogle|guaranteed(?:first)?page"),
    # generic advert vocabulary: weak alone
    ("advert", 0.2, r"免费(?:看|观看|领取|送)|在线观看|点击(?:进入|链接)|戳链接|马上领|clickhere|signupnow|ordernow|claimyour(?:prize|free)"),
    ("advert", 0.3, r"高仿|replica|一比一|工厂直销|wholesale|查重|代写论文|buyessay|考试答案|hackanyaccount"),
    ("advert", 0.4, r"枪支|仿真枪|气枪|弓弩|私人侦探"),
    ("advert", 0.1, r"免费|精品|cheap|free"),
    ("advert", 0.6, r"youwon|claimyour|lotterywinner|bankdetails|miraclediet|weightlosspills|lose\d+kg"),
    ("advert", 0.4, r"forsale|louisvuitton|gucci|rolex|limitedspots|guaranteedprofit|bitcoin|crypto"),
    ("advert", 0.3, r"tonight|inyourarea|waitingforyou|noexperienceneeded|perweek|passwordrecovery"),
]
COMPILED = [(kind, weight, re.compile(pattern)) for kind, weight, pattern in PATTERNS]
KIND_CAP = 2.0  # one kind can add at most this much


def lexicon_hits(form: str) -> dict:
    """Kind -> summed weight of the patterns that match (capped per kind).

    A pattern that matches two or more different terms counts one and a half times.
    """
    hits = {}
    for kind, weight, pattern in COMPILED:
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
