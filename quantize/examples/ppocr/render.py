#!/usr/bin/env python3
"""Renders text-line crops, upright and turned 180 degrees, for the PaddleOCR text-direction
classifier (../shared/models/ppocr_cls_mobile_v2.onnx) and writes them preprocessed as the model
takes them: a calibration set and a labelled test set.

Needs numpy, Pillow and the DejaVu fonts (Debian packages fonts-dejavu-core and
fonts-dejavu-extra). Writes into --out (default build/ppocr under the repository root):

  calib.npy        [64,3,48,192] float32, half upright, half turned (balanced)
  calib_labels.npy [64] int64 (not needed by calibration; there to check the balance)
  test_inputs.npy  [400,3,48,192] float32
  test_labels.npy  [400] int64: 0 = upright (label '0'), 1 = turned 180 degrees (label '180')
  texts.txt        set, label and text of every sample, one a line (tab-separated)
  preview.png      the first 24 test samples as the model sees them (denormalised; a red bar
                   marks the turned ones), for a look

Calibration and test samples come from separate random streams (seeds CALIB_SEED and TEST_SEED),
and no text occurs in both sets. The same Pillow version (it bundles its FreeType) and the same
font files give byte-identical files.

Each sample: a phrase of 1-4 words/numbers (mixed case, digits, punctuation) in one of 14 DejaVu
faces, 24-40 px, dark ink on a light, slightly tinted background, a small margin as a text
detector's box leaves, mild Gaussian blur and noise. Turned samples are the same kind of crop
rotated by 180 degrees. Preprocessing follows PaddleOCR's and RapidOCR's classifier
(resize_norm_img with cls_image_shape 3,48,192): resize to height 48 keeping the aspect ratio
(width ceil(48*w/h), at most 192; bilinear), scale to (x/255 - 0.5)/0.5, pad on the right with
zeros (mid-grey after normalisation) to width 192. Those pipelines read images with OpenCV, so
the model sees channels in B,G,R order; --channels rgb swaps them (the crops are nearly grey, so it
makes little difference).
"""
import argparse
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# (file, Debian package)
FACES = [
    ("DejaVuSans.ttf", "fonts-dejavu-core"),
    ("DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    ("DejaVuSerif.ttf", "fonts-dejavu-core"),
    ("DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
    ("DejaVuSansMono.ttf", "fonts-dejavu-core"),
    ("DejaVuSansMono-Bold.ttf", "fonts-dejavu-core"),
    ("DejaVuSansCondensed.ttf", "fonts-dejavu-extra"),
    ("DejaVuSansCondensed-Bold.ttf", "fonts-dejavu-extra"),
    ("DejaVuSerifCondensed.ttf", "fonts-dejavu-extra"),
    ("DejaVuSerifCondensed-Bold.ttf", "fonts-dejavu-extra"),
    ("DejaVuSans-Oblique.ttf", "fonts-dejavu-extra"),
    ("DejaVuSerif-Italic.ttf", "fonts-dejavu-extra"),
    ("DejaVuSansMono-Oblique.ttf", "fonts-dejavu-extra"),
    ("DejaVuSans-ExtraLight.ttf", "fonts-dejavu-extra"),
]

WORDS = """
the of and to in is for on that with as was by at from this be are or have an it not which
but all were when we there can more if will one about their out has would so up what them
time only new some could these two may first then do any like my now over such our man me even
most made after also did many before must through back years where much your way well down
should because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while last
might great old year off come since against go came right used take three house morning paper
river market station window garden street letter number system water order account invoice
total amount balance payment receipt customer address phone email office center north south
east west price discount delivery express ticket gate platform coffee bread butter cheese
apple orange lemon sugar salt pepper tomato potato chicken monday tuesday friday sunday january
march april june july august october november december report review model engine battery
voltage current signal sensor camera display keyboard printer monitor server network license
version update release build contact support service manager director doctor teacher student
school library museum hospital airport hotel bridge tunnel harbor island mountain valley forest
""".split()
UNITS = ["kg", "km", "mm", "ml", "EUR", "USD", "%", "pcs", "V", "mA", "GB", "h"]
PUNCTUATION = [",", ".", ":", ";", "!", "?", ""]


def make_text(rng):
    """A phrase of 1-4 tokens: words in lower, Title or UPPER case, numbers, codes, dates, amounts."""
    tokens = []
    for _ in range(int(rng.choice([1, 2, 2, 3, 3, 4]))):
        kind = rng.random()
        if kind < 0.62:
            word = str(rng.choice(WORDS))
            case = rng.random()
            word = word.upper() if case < 0.2 else word.title() if case < 0.55 else word
            tokens.append(word)
        elif kind < 0.74:
            tokens.append(str(int(rng.integers(0, 10 ** int(rng.integers(1, 6))))))
        elif kind < 0.82:
            tokens.append("%d.%02d %s" % (rng.integers(0, 1000), rng.integers(0, 100), rng.choice(UNITS)))
        elif kind < 0.90:
            tokens.append("%02d/%02d/%04d" % (rng.integers(1, 29), rng.integers(1, 13), rng.integers(1990, 2031)))
        else:
            letters = "".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ"), int(rng.integers(1, 4))))
            tokens.append("%s%s-%d" % (letters, rng.integers(0, 100), rng.integers(0, 10000)))
    text = " ".join(tokens)
    return text + str(rng.choice(PUNCTUATION))


def load_fonts():
    missing = sorted({package for name, package in FACES if not os.path.exists(os.path.join(FONT_DIR, name))})
    if missing:
        raise SystemExit("render.py: fonts missing under %s; install the Debian packages: %s"
                         % (FONT_DIR, " ".join(missing)))
    return [os.path.join(FONT_DIR, name) for name, _ in FACES]


def render_crop(rng, text, font_path):
    """One upright text-line crop (RGB uint8 array), as a detector's box would cut it."""
    size = int(rng.integers(24, 41))
    font = ImageFont.truetype(font_path, size)
    left, top, right, bottom = font.getbbox(text)
    ascent, descent = font.getmetrics()
    # The box spans the line's ascent and descent (not just the glyphs' ink), plus a margin: a
    # detector's box around a line covers the line height, and crops from it keep a few pixels.
    margin_x = int(round(size * rng.uniform(0.1, 0.5)))
    margin_top = int(round(size * rng.uniform(0.05, 0.25)))
    margin_bottom = int(round(size * rng.uniform(0.05, 0.25)))
    width = (right - left) + 2 * margin_x
    height = ascent + descent + margin_top + margin_bottom

    base = rng.uniform(185, 250)
    background = np.clip(base + rng.uniform(-12, 12, 3), 0, 255)
    ink_level = rng.uniform(0, 80)
    ink = np.clip(ink_level + rng.uniform(-15, 15, 3), 0, 255)
    image = Image.new("RGB", (width, height), tuple(int(c) for c in background))
    draw = ImageDraw.Draw(image)
    draw.text((margin_x - left, margin_top), text, font=font, fill=tuple(int(c) for c in ink))

    # A gentle brightness gradient across the crop (uneven lighting).
    pixels = np.asarray(image).astype(np.float32)
    gradient = np.linspace(-1, 1, width)[None, :, None] * rng.uniform(-10, 10)
    pixels = pixels + gradient
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    blur = rng.uniform(0, 0.8)
    if blur > 0.2:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image).astype(np.float32)
    pixels += rng.normal(0, rng.uniform(1, 6), pixels.shape)
    return np.clip(np.round(pixels), 0, 255).astype(np.uint8)


def preprocess(crop, channels):
    """PaddleOCR/RapidOCR cls preprocessing: [3,48,192] float32 in about -1..1."""
    h, w = crop.shape[:2]
    resized_w = min(192, int(math.ceil(48 * w / float(h))))
    resized = np.asarray(Image.fromarray(crop).resize((resized_w, 48), Image.BILINEAR), np.float32)
    if channels == "bgr":
        resized = resized[:, :, ::-1]
    out = np.zeros((3, 48, 192), np.float32)
    out[:, :, :resized_w] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return out


def make_set(seed, count, fonts, channels, exclude):
    """count samples, alternately upright (label 0) and turned (label 1), with texts not in exclude."""
    rng = np.random.default_rng(seed)
    inputs = np.empty((count, 3, 48, 192), np.float32)
    labels = np.empty(count, np.int64)
    texts = []
    for i in range(count):
        text = make_text(rng)
        while text in exclude or text in texts:
            text = make_text(rng)
        texts.append(text)
        crop = render_crop(rng, text, fonts[int(rng.integers(len(fonts)))])
        label = i % 2
        if label == 1:
            crop = np.ascontiguousarray(crop[::-1, ::-1])  # 180 degrees
        inputs[i] = preprocess(crop, channels)
        labels[i] = label
    return inputs, labels, texts


def preview(inputs, labels, path, count=24, columns=2):
    rows = math.ceil(count / columns)
    sheet = np.full((rows * 52, columns * 196, 3), 255, np.uint8)
    for i in range(min(count, len(inputs))):
        r, c = divmod(i, columns)
        tile = np.clip((inputs[i].transpose(1, 2, 0) * 0.5 + 0.5) * 255, 0, 255).astype(np.uint8)
        sheet[r * 52 + 2:r * 52 + 50, c * 196 + 2:c * 196 + 194] = tile
        if labels[i] == 1:
            sheet[r * 52 + 2:r * 52 + 50, c * 196:c * 196 + 2] = (255, 0, 0)  # turned: red bar on the left
    Image.fromarray(sheet).save(path)


CALIB_SEED = 20260601
TEST_SEED = 20260602


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(root, "build", "ppocr"))
    parser.add_argument("--calib", type=int, default=64, help="calibration samples (even)")
    parser.add_argument("--test", type=int, default=400, help="test samples (even)")
    parser.add_argument("--channels", choices=["bgr", "rgb"], default="bgr")
    args = parser.parse_args()

    fonts = load_fonts()
    os.makedirs(args.out, exist_ok=True)
    calib, calib_labels, calib_texts = make_set(CALIB_SEED, args.calib, fonts, args.channels, set())
    test, test_labels, test_texts = make_set(TEST_SEED, args.test, fonts, args.channels, set(calib_texts))
    assert not set(calib_texts) & set(test_texts)
    np.save(os.path.join(args.out, "calib.npy"), calib)
    np.save(os.path.join(args.out, "calib_labels.npy"), calib_labels)
    np.save(os.path.join(args.out, "test_inputs.npy"), test)
    np.save(os.path.join(args.out, "test_labels.npy"), test_labels)
    with open(os.path.join(args.out, "texts.txt"), "w") as f:
        f.writelines("calib\t%d\t%s\n" % (l, t) for l, t in zip(calib_labels, calib_texts))
        f.writelines("test\t%d\t%s\n" % (l, t) for l, t in zip(test_labels, test_texts))
    preview(test, test_labels, os.path.join(args.out, "preview.png"))
    print("wrote %s: calib.npy %s, test_inputs.npy %s (%d upright, %d turned), texts.txt, preview.png"
          % (args.out, calib.shape, test.shape, int((test_labels == 0).sum()), int((test_labels == 1).sum())))


if __name__ == "__main__":
    main()
