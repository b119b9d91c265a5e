#!/usr/bin/env python3
"""Chat transcripts as JSON Lines, at the density of bench/detect_benchmark.cc's
TranscriptGen: every line starts with a chat timestamp, about half of the
sentences carry a number (order numbers, amounts, dates, codes, waybills) and
about one line in five a value to redact (mobile number, resident ID, bank
card, mobile number read out in Chinese numerals), so a session of 8-30 lines
holds a few.

  scripts/gen_transcript_jsonl.py --bytes 100000000 --seed 1 -o /tmp/transcript.jsonl
  piivault redact --jsonl --field text /tmp/transcript.jsonl -o out.jsonl

  scripts/gen_transcript_jsonl.py --style messages --bytes 20000000 -o /tmp/msgs.jsonl
  piivault redact --jsonl --field 'messages[].content' /tmp/msgs.jsonl -o out.jsonl

--style chat (default): one session per record, its lines in "text" joined by
"\\n" (JSON-escaped, as a chat export writes them). --style messages: one
session per record as {"messages":[{"role":..,"content":..}...]}, one line per
message. Output is deterministic for a seed.
"""
import argparse
import json
import random
import sys

MOBILE_PREFIXES = ["138", "139", "150", "186", "199", "166", "177", "191"]
REGIONS = ["110105", "320102", "440305", "510104", "650102", "330106"]
PLAIN = [
    "您好，很高兴为您服务，请问有什么可以帮您？", "好的，我这边帮您查询一下，请稍等。",
    "我买的东西到现在还没有收到，物流一直没有更新。", "非常抱歉给您带来不便，我们会尽快为您处理。",
    "这个问题我已经反馈给相关部门了，预计两个工作日内回复您。", "那我什么时候能收到退款呢？",
    "退款会原路返回，一般三到五个工作日到账。", "还有其他可以帮您的吗？", "没有了，谢谢。",
    "感谢您的耐心等待，祝您生活愉快！", "我想修改一下收货地址可以吗？", "可以的，请您提供一下新的地址。",
    "麻烦您核实一下下单时使用的手机号。", "您的快递已经到达派送网点，今天会派送。",
    "这个商品支持七天无理由退货。", "请问您是本人操作的吗？",
]
SPOKEN = ["零", "幺", "二", "三", "四", "五", "六", "七", "八", "九"]


def resident_id_check(body):
    """GB 11643 (ISO 7064 MOD 11-2) check character of 17 digits."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return "10X98765432"[total % 11]


def luhn_complete(body):
    for c in "0123456789":
        digits = [int(d) for d in body + c][::-1]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
                    for i, d in enumerate(digits))
        if total % 10 == 0:
            return body + c
    return body + "0"


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def int(self, lo, hi):
        return self.rng.randint(lo, hi)

    def digits(self, n):
        return "".join(str(self.rng.randint(0, 9)) for _ in range(n))

    def mobile(self):
        return MOBILE_PREFIXES[self.int(0, 7)] + self.digits(8)

    def resident_id(self):
        body = (REGIONS[self.int(0, 5)] + str(self.int(1950, 2005)) + "0" + str(self.int(1, 9)) +
                str(self.int(10, 28)) + self.digits(3))
        return body + resident_id_check(body)

    def card(self):
        return luhn_complete("622202" + self.digits(12))

    def spoken(self, digits):
        out = ""
        for i, d in enumerate(digits):
            if i in (3, 7):
                out += " "
            out += SPOKEN[int(d)]
        return out

    def sentence(self):
        k = self.int(0, 19)
        if k == 0:
            return "我的订单号是" + self.digits(18) + "，麻烦查一下。"
        if k == 1:
            return ("这单一共是" + str(self.int(10, 999)) + "." + self.digits(2) + "元，优惠了" +
                    str(self.int(1, 50)) + "元。")
        if k == 2:
            return "我的手机号是" + self.mobile() + "，有问题打我电话。"
        if k == 3:
            return "身份证号" + self.resident_id() + "，名字是张三。"
        if k == 4:
            return "运单号SF" + self.digits(12) + "，显示在" + str(self.int(1, 28)) + "号已经发出。"
        if k == 5:
            return ("退款" + str(self.int(10, 999)) + "元，卡号" + self.card() + "，尾号" +
                    self.digits(4) + "。")
        if k == 6:
            return "我的电话是" + self.spoken(self.mobile()) + "。"
        if k == 7:
            return "交易时间20240215" + self.digits(6) + "，流水号" + self.digits(20) + "。"
        if k == 8:
            return "验证码" + self.digits(6) + "，请在" + str(self.int(1, 10)) + "分钟内输入。"
        if k == 9:
            return ("我" + str(self.int(1, 12)) + "月" + str(self.int(1, 28)) + "号下的单，买了" +
                    str(self.int(1, 5)) + "件。")
        return PLAIN[self.int(0, 15)]

    def session(self):
        """(speaker, line) pairs of one chat, each line with its timestamp."""
        hour, minute, second = self.int(8, 21), self.int(0, 59), 0
        lines = []
        for _ in range(self.int(8, 30)):
            second += self.int(3, 40)
            minute += second // 60
            second %= 60
            hour += minute // 60
            minute %= 60
            agent = self.int(0, 1) == 1
            ts = "[2024-02-15 %02d:%02d:%02d] " % (hour % 24, minute, second)
            lines.append((agent, ts + ("客服：" if agent else "客户：") + self.sentence()))
        return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bytes", type=int, default=100_000_000, help="stop once this many bytes are written")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--style", choices=["chat", "messages"], default="chat")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()
    gen = Gen(args.seed)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    written = 0
    rec_id = 0
    while written < args.bytes:
        lines = gen.session()
        if args.style == "chat":
            rec = {"id": rec_id, "channel": "chat", "agent": "客服小李",
                   "text": "\n".join(line for _, line in lines)}
        else:
            rec = {"id": rec_id, "channel": "chat",
                   "messages": [{"role": "agent" if agent else "user", "content": line}
                                for agent, line in lines]}
        s = json.dumps(rec, ensure_ascii=False) + "\n"
        out.write(s)
        written += len(s.encode("utf-8"))
        rec_id += 1
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
