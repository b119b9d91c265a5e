#!/usr/bin/env python3
"""Dense noise for differential and idempotence tests: JSON Lines records
{"text": ...}, each 3-40 random fragments the detector cares about (digit
runs, Chinese numerals, full-width digits, timestamps, IPv4-like and
ID-like strings, keywords, labels, masks, punctuation, invisible
characters), glued together. Deterministic for a seed.

  scripts/gen_noise.py --seed 7 --records 20000 --out noise.jsonl
"""
import argparse
import json
import random

NUMERALS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '幺', '两', '〇']
FULL_WIDTH = '０１２３４５６７８９'
WORDS = ['出生日期', '生日', '手机号', '电话', '身份证号', '卡号', '银行卡', 'QQ', '微信', '姓名：', '地址：', '我叫', '寄到',
         '联系人', '有效期', '订单号', '客服：', '客户：', '，', '。', '：', '？', '！', '、', '（', '）', '[', ']', ' ', '\n',
         '-', '/', '.', ':', '@', '+86 ', '0086', '转', '分机', '北纬', '东经', '年', '月', '日', '号', '张三', '王小明',
         '浙江省杭州市西湖区文三路90号', '您好', '请问', '一下', '两个', '七天', '三到五个', 'IMEI', 'MEID', 'IDFA', '京A',
         '粤B·', 'X', 'x', '＊', '****', 'example.com', 'abc', '_', '\u3000', '\u00a0', '\u200b']


def fragment(r):
    k = r.random()
    if k < 0.25:
        return ''.join(r.choice('0123456789') for _ in range(r.choice([1, 2, 3, 4, 4, 6, 8, 11, 11, 12, 15, 16, 17, 18, 19, 20])))
    if k < 0.32:
        return ''.join(r.choice(NUMERALS) for _ in range(r.choice([1, 2, 3, 7, 11, 12])))
    if k < 0.36:
        return ''.join(r.choice(FULL_WIDTH) for _ in range(r.choice([4, 11, 18])))
    if k < 0.40:
        return '2024-02-%02d %02d:%02d:%02d' % (r.randint(1, 28), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
    if k < 0.43:
        return ''.join(r.choice('ABCDEFGHJKLMNPQRTUWXYabcdef0123456789') for _ in range(r.choice([6, 9, 12, 18, 32])))
    if k < 0.45:
        return '%d.%d.%d.%d' % tuple(r.randint(0, 300) for _ in range(4))
    return r.choice(WORDS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--records', type=int, default=20000)
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    r = random.Random(args.seed)
    with open(args.out, 'w', encoding='utf-8') as out:
        for _ in range(args.records):
            text = ''.join(fragment(r) for _ in range(r.randint(3, 40)))
            out.write(json.dumps({'text': text}, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    main()
