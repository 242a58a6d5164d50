"""Where every file of a project lives: the one place for its paths. The rules use the patterns
(Snakemake wildcards in braces), the code the functions, which fill in the same patterns. Paths
are relative to the project folder, Snakemake's working directory; the model weights are the
repository's (models.model_dir)."""

DREAM = "dreams/{name}"
SEED_IMAGE = DREAM + "/img_0.jpg"  # an image dream's seed image unless its spec sets `seed_image`

# A dream's products.
FINAL = DREAM + "/final.mp4"  # the video with its soundtrack
VIDEO = DREAM + "/video.mp4"  # the full render's frames as H.264, silent
PREVIEW = DREAM + "/preview.mp4"  # the draft preview with the soundtrack
SHEET = DREAM + "/contact_sheet.jpg"  # every Nth frame of the full render
SCHEDULE_CSV = DREAM + "/schedule.csv"
SCHEDULE_PNG = DREAM + "/schedule.png"
MOTION = DREAM + "/motion.mp4"  # the animatic: the plan's camera and colour on the seed image
LOOK_CSV = DREAM + "/look.csv"
LOOK_PNG = DREAM + "/look.png"

# A render's files, by {folder}: `frames` (the full render) or `preview` (the draft preview).
FRAME = DREAM + "/{folder}/{index}.png"  # index: six digits
CHUNK = DREAM + "/{folder}/chunks/{chunk}.done"  # a chunk job's marker (chunks.py); chunk: six digits
ASIDE = DREAM + "/{folder}/chains/{chain}/{index}.png"  # a chain's frame that is not the video's (chains.py)
FOLDER_VIDEO = DREAM + "/{folder}/video.mp4"  # the preview's silent video, on its way to preview.mp4
FOLDER_SHEET = DREAM + "/{folder}/contact_sheet.jpg"  # the preview's contact sheet
SOURCE = DREAM + "/{folder}_source"  # a video dream's footage at the render's size, one PNG per frame
FLOW = SOURCE + "_flow_{method}"  # the optical flow between those frames, one folder per method
MASK = DREAM + "/{folder}_mask_{number}"  # mask video `number`'s frames at the render's size

# The project's caches and locks.
AUDIO_CACHE = "resources/audio"  # music analyses, by the soundtrack's content hash
RUN_LOCKS = ".snakemake/dreamvideo"  # one flock per dream being rendered (runlock.py)


def in_folder(pattern, folder):
    """A pattern with its {folder} filled in (its other wildcards left to Snakemake)."""
    return pattern.replace("{folder}", folder)


def indexed(folder, index, suffix=".png"):
    """File `index` of a folder of numbered files (frames, source frames, flow fields, mask frames)."""
    return f"{folder}/{index:06d}{suffix}"


def frame(name, folder, index):
    return FRAME.format(name=name, folder=folder, index=f"{index:06d}")


def aside(name, folder, chain, index):
    return ASIDE.format(name=name, folder=folder, chain=chain, index=f"{index:06d}")


def chunk(name, folder, number):
    return CHUNK.format(name=name, folder=folder, chunk=f"{number:06d}")


def source(name, folder):
    return SOURCE.format(name=name, folder=folder)


def flow(name, folder, method):
    return FLOW.format(name=name, folder=folder, method=method)


def mask(name, folder, number):
    return MASK.format(name=name, folder=folder, number=number)


def seed_image(name):
    return SEED_IMAGE.format(name=name)
