#!/bin/sh
# How the BigTIFF test files were made (ImageMagick 6.9.11 with libtiff 4.5;
# exiftool cannot write BigTIFF). Run from this directory; needs meta.xmp and
# an ICC profile, e.g. `convert ../../../../shared/testdata/images/jpeg_thumb_icc_canon40d.jpg canon.icc`.
#
# bigtiff_le_meta.tif: little-endian, 24x16 RGB, 4 strips, ImageDescription
#   and PageName with Chinese PII, an XMP packet (tag 700: dc:creator,
#   dc:description, photoshop:City) and an ICC profile (tag 34675).
convert -size 24x16 gradient:red-blue -depth 8 -profile canon.icc -profile meta.xmp \
  -set comment "客户电话13912345678 身份证11010519491231002X" -set label "合同-李娜" \
  -define tiff:rows-per-strip=5 TIFF64:bigtiff_le_meta.tif
# bigtiff_be_tiled_pages.tif: big-endian, two 32x32 LZW pages in 16x16 tiles,
#   ImageDescription (an e-mail address) and PageName on each page.
convert -size 32x32 gradient:green-yellow -size 32x32 plasma:fractal -seed 1 -depth 8 \
  -set comment "邮箱zhang.wei@example.com" -set label "第%p页 王芳" -define tiff:endian=msb \
  -compress LZW -define tiff:tile-geometry=16x16 TIFF64:bigtiff_be_tiled_pages.tif
