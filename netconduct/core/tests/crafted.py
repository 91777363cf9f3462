"""Files crafted to carry what an upload must not keep (metadata naming a person or place, scripts, attachments),
and decompression bombs. Each carries the marker text `MARKER` wherever text can hide, so that a test can look for it
in the stored bytes as well as through Pillow and pypdf."""

from __future__ import annotations

import io
import struct
import zlib

MARKER = "ZhangSanSecret"
GPS = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{MARKER}</dc:creator></rdf:Description>'
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def _icc() -> bytes:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return profile.tobytes()


def _exif():
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = MARKER  # Make
    exif[0x013B] = MARKER  # Artist
    exif[0x8825] = GPS  # GPSInfo
    return exif


def jpeg_with_everything(size: tuple[int, int] = (40, 30)) -> bytes:
    """A JPEG with EXIF (GPS, camera, artist), XMP, an ICC profile and a COM comment."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        out, format="JPEG", exif=_exif(), icc_profile=_icc(), comment=MARKER.encode(), xmp=XMP.encode()
    )
    return out.getvalue()


def png_with_everything(size: tuple[int, int] = (40, 30)) -> bytes:
    """A PNG with tEXt, zTXt and iTXt chunks, EXIF (GPS), XMP (as iTXt) and an ICC profile."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", MARKER)
    info.add_text("Comment", MARKER, zip=True)
    info.add_itxt("Description", MARKER, lang="zh", tkey="说明")
    info.add_itxt("XML:com.adobe.xmp", XMP)
    out = io.BytesIO()
    Image.new("RGBA", size, (20, 120, 200, 255)).save(
        out, format="PNG", pnginfo=info, exif=_exif(), icc_profile=_icc()
    )
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG of a few hundred bytes declaring width×height pixels (2.5 billion by default)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def pdf_with_everything() -> bytes:
    """A PDF with /Info, XMP metadata, a text annotation with an author (/T), a link, an /OpenAction running
    JavaScript, an embedded file and page-piece data (/PieceInfo) — each naming MARKER."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    content = DecodedStreamObject()
    content.set_data(b"0 0 1 rg 20 20 100 60 re f")
    page[NameObject("/Contents")] = writer._add_object(content)
    rect = ArrayObject([FloatObject(10), FloatObject(10), FloatObject(120), FloatObject(60)])
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): rect,
            NameObject("/T"): TextStringObject(MARKER),
            NameObject("/Contents"): TextStringObject(f"comment by {MARKER}"),
        }
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect,
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject(f"https://tracker.example/{MARKER}"),
                }
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(note), writer._add_object(link)])
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {
            NameObject("/Illustrator"): DictionaryObject(
                {
                    NameObject("/LastModified"): TextStringObject("D:20260101"),
                    NameObject("/Private"): TextStringObject(MARKER),
                }
            )
        }
    )
    writer.add_metadata({"/Author": MARKER, "/Title": MARKER, "/Producer": MARKER})
    xmp = DecodedStreamObject()
    xmp.set_data(XMP.encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    names_js = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [
                    TextStringObject("hello"),
                    writer._add_object(
                        DictionaryObject(
                            {
                                NameObject("/S"): NameObject("/JavaScript"),
                                NameObject("/JS"): TextStringObject(f"app.alert('{MARKER}');"),
                            }
                        )
                    ),
                ]
            )
        }
    )
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(f"// {MARKER}")}
    )
    writer.add_attachment(f"{MARKER}.txt", MARKER.encode())
    writer._root_object["/Names"][NameObject("/JavaScript")] = writer._add_object(names_js)
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseNone")
    page[NameObject("/Rotate")] = NumberObject(0)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def huge_page_pdf(points: float = 14_400) -> bytes:
    """A PDF whose one page is as large as PDF allows (200 inches square): 900 million pixels at 150 dpi."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=points, height=points)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def assert_clean_image(data: bytes) -> None:
    """Nothing but pixels: checked through Pillow and in the raw bytes."""
    from PIL import Image

    assert MARKER.encode() not in data and b"Exif" not in data and b"ICC_PROFILE" not in data
    assert b"http://ns.adobe.com/xap" not in data and b"adobe:ns:meta" not in data
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        kept = set(image.info) & {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Author"}
        assert not kept, kept
        assert not image.getexif()
        assert not getattr(image, "text", {})  # PNG tEXt/zTXt/iTXt


def assert_clean_pdf(data: bytes) -> None:
    """No document information, XMP, annotations, actions, JavaScript, names, attachments or page-piece data."""
    from pypdf import PdfReader

    assert MARKER.encode() not in data
    for needle in (
        b"/JavaScript",
        b"/JS",
        b"/OpenAction",
        b"/Annots",
        b"/EmbeddedFile",
        b"/URI",
        b"/PieceInfo",
    ):
        assert needle not in data, needle
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/Info" not in reader.trailer and not reader.metadata
    assert reader.xmp_metadata is None
    assert set(root.keys()) <= {"/Type", "/Pages"}, root.keys()
    assert not reader.attachments
    for page in reader.pages:
        assert set(page.keys()) <= {"/Type", "/Parent", "/MediaBox", "/Resources", "/Contents"}, page.keys()
