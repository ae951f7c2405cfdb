"""What importer tests look at in an importer's output."""

from otklik.model import CommentRec, Item, ObservationRec


def entities(out, cls):
    return [e for x in out if isinstance(x, Item) for e in x.entities if isinstance(e, cls)]


def comments(out):
    return {c.platform_id: c for c in entities(out, CommentRec)}


def obs(out):
    return {(o.entity, o.platform_id, o.metric): o.value for o in entities(out, ObservationRec)}
